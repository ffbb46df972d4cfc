/**
 * `listener.limits` through the built daemon: with a small per-source cap, a host holding
 * half-sent requests open gets its oldest connections evicted, `/api/metrics` counts the
 * evictions, the log warns once (not per connection), and a phone's call still goes through.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

const ATTACKER = '127.0.0.66';
const CAP = 3;

let daemon: DaemonProcess | undefined;
let phones: TestPhone[] = [];
let sse: SseClient | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  sse?.close();
  await daemon?.stop();
  await closePhones(phones);
  daemon = undefined;
  sse = undefined;
  phones = [];
});

/** Opens a connection from the attacker's address that sends part of a head, then nothing. */
async function slowConnection(port: number): Promise<{ closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: ATTACKER });
  sockets.push(socket);
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve) =>
    socket.once('connect', () => {
      resolve();
    }),
  );
  socket.write('GET /snom/desk-1/incoming?k=');
  return { closed };
}

async function evictedCount(d: DaemonProcess): Promise<number> {
  const text = await (await d.api('/api/metrics')).text();
  const match =
    /^snomlink_listener_connections_closed_total\{type="evicted",reason="per-source-limit"\} (\d+)$/m.exec(
      text,
    );
  if (match === null) throw new Error(`no per-source eviction counter in:\n${text}`);
  return Number(match[1]);
}

describe('phone port limits from listener.limits', () => {
  it('evicts over the per-source cap, counts it in /api/metrics, warns once, and a phone still gets through', async () => {
    phones = await startPhones([{ id: 'desk-1', model: 'snom360' }]);
    daemon = await startDaemon({
      phones: phones.map((p) => p.entry),
      config: { listener: { limits: { maxConnectionsPerSource: CAP } } },
    });
    sse = await events(daemon);
    await provisionAll(daemon, phones);
    expect(await evictedCount(daemon)).toBe(0);

    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await slowConnection(daemon.listenerPort));
    // Three more over the cap: each evicts the attacker's connection that waited longest.
    for (let i = 0; i < 3; i++) {
      await slowConnection(daemon.listenerPort);
      await held[i]!.closed;
    }
    await expect.poll(() => evictedCount(daemon!), { timeout: 10_000 }).toBe(3);

    const warnings = daemon
      .output()
      .split('\n')
      .filter((line) => line.includes('"reason":"per-source-limit"'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      level: 40,
      type: 'evicted',
      remoteAddress: ATTACKER,
    });

    // The attacker still holds CAP connections; the phone (another address) is not affected.
    const desk = phones[0]!;
    const id = await desk.phone.ring('+4930111000', { display: 'Still Works' });
    await desk.phone.answer(id);
    await desk.phone.hangUp(id);
    const done = await finished(sse, id);
    expect(done.call.sipCallId).toBe(id);
  }, 120_000);
});
