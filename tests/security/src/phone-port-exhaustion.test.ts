import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { FiredActionUrl } from '@snomlink/snom-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../../system/src/harness/daemon-process.js';
import { startDaemon } from '../../system/src/harness/daemon-process.js';
import { closePhones, startPhones } from '../../system/src/harness/phones.js';
import type { TestPhone } from '../../system/src/harness/phones.js';
import { events, finished, provisionAll } from '../../system/src/harness/scenario.js';
import type { SseClient } from '../../system/src/harness/sse-client.js';

// Issue 15: "One host silences every phone." 1,100 connections to the phone port that each send
// `\r\n` every few hundred ms (from one address, and from many loopback addresses), and requests
// whose `Content-Length: 65536` body trickles in, while simulated phones keep ringing: every
// phone event must still be delivered. Before the fix the attackers' connections filled the
// global cap (1,024) for ever and a phone's next Action URL got a connection reset.

let daemon: DaemonProcess | undefined;
let sse: SseClient | undefined;
let phones: TestPhone[] = [];
const attacks: Attack[] = [];

afterEach(async () => {
  attacks.splice(0).forEach((a) => {
    a.stop();
  });
  sse?.close();
  await daemon?.stop();
  await closePhones(phones);
  daemon = undefined;
  sse = undefined;
  phones = [];
});

interface Attack {
  /** Connections opened so far (reconnections included). */
  readonly opened: number;
  /** Connections the daemon closed (evicted, timed out, answered and closed). */
  readonly closedByServer: number;
  /** Resolves once each of the first `total` connections has connected or been closed. */
  readonly placed: Promise<void>;
  /** Resolves after the attack has dripped on its connections `times` more times. */
  dripped(times: number): Promise<void>;
  stop(): void;
}

/**
 * Holds `total` connections to the phone port, spread over `sources` (127.x.y.z), each sending
 * `first` and then `drip` every `everyMs`. A connection the daemon closes is opened again a
 * second later, as a persistent attacker would.
 */
function holdConnections(
  port: number,
  sources: readonly string[],
  total: number,
  first: string,
  drip: string,
  everyMs: number,
): Attack {
  const sockets = new Set<Socket>();
  let stopped = false;
  let opened = 0;
  let closedByServer = 0;
  let unplaced = total;
  let placedNow: () => void = () => undefined;
  const placed = new Promise<void>((resolve) => {
    placedNow = resolve;
  });
  const drips: { left: number; resolve: () => void }[] = [];
  const open = (from: string, initial = false): void => {
    if (stopped) return;
    opened++;
    const socket = connect({ host: '127.0.0.1', port, localAddress: from, allowHalfOpen: true });
    sockets.add(socket);
    let counted = !initial;
    const place = (): void => {
      if (counted) return;
      counted = true;
      if (--unplaced === 0) placedNow();
    };
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      place();
      socket.write(first);
    });
    socket.resume();
    socket.once('close', () => {
      place();
      sockets.delete(socket);
      if (stopped) return;
      closedByServer++;
      setTimeout(() => {
        open(from);
      }, 1000).unref();
    });
  };
  for (let i = 0; i < total; i++) open(sources[i % sources.length] ?? '127.0.0.1', true);
  const timer = setInterval(() => {
    for (const socket of sockets) if (socket.writable && !socket.connecting) socket.write(drip);
    for (const waiter of drips.splice(0)) {
      if (--waiter.left === 0) waiter.resolve();
      else drips.push(waiter);
    }
  }, everyMs);
  return {
    get opened() {
      return opened;
    },
    get closedByServer() {
      return closedByServer;
    },
    placed,
    dripped(times) {
      return new Promise((resolve) => {
        drips.push({ left: times, resolve });
      });
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const waiter of drips.splice(0)) waiter.resolve();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

/** Loopback source addresses 127.{b}.x.y, `count` of them. */
function sources(b: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `127.${String(b)}.${String(Math.floor(i / 200))}.${String((i % 200) + 1)}`,
  );
}

/**
 * Rings each phone `rounds` times while the attack runs (a missed call: ring, then the caller
 * gives up), waiting between rounds until the attack has acted again (`between`), and checks
 * that every Action URL was answered 200 and every call reached the daemon's event stream.
 */
async function phonesKeepWorking(rounds: number, between: () => Promise<void>): Promise<void> {
  const fired: FiredActionUrl[] = [];
  for (const { phone } of phones) phone.on('action-url', (f) => fired.push(f));
  const ids: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const { phone } of phones) {
      const id = await phone.ring(`+49301234${String(round).padStart(3, '0')}`, {
        display: `Round ${String(round)}`,
      });
      ids.push(id);
      await phone.remoteHangUp(id);
    }
    await between();
  }
  await Promise.all(phones.map(({ phone }) => phone.idle()));
  const failed = fired.filter((f) => f.status !== 200);
  expect(failed.map((f) => `${f.kind}: ${String(f.status)} ${f.error ?? ''}`)).toEqual([]);
  expect(fired.length).toBeGreaterThanOrEqual(2 * ids.length);
  for (const id of ids) {
    const call = await finished(sse!, id, 15_000);
    expect(call.call.sipCallId).toBe(id);
  }
}

async function setUp(): Promise<number> {
  phones = await startPhones([
    { id: 'desk-1', model: 'snom360' },
    { id: 'desk-2', model: 'snom360' },
  ]);
  daemon = await startDaemon({ phones: phones.map((p) => p.entry) });
  sse = await events(daemon);
  await provisionAll(daemon, phones);
  return daemon.listenerPort;
}

describe('the phone port under connection exhaustion', () => {
  it('1,100 slowloris connections from one address do not keep a phone event out', async () => {
    const port = await setUp();
    const attack = holdConnections(port, ['127.2.0.1'], 1100, '\r\n', '\r\n', 300);
    attacks.push(attack);
    // The attack fills what it can before the phones start: every connection is placed.
    await attack.placed;
    await phonesKeepWorking(6, () => attack.dripped(2));
    attack.stop();
    // The daemon bounded the attacker: most of its connections were closed (per-source cap).
    expect(attack.closedByServer).toBeGreaterThan(1000);
  });

  it('1,100 slowloris connections from many addresses and trickled bodies do not keep a phone event out', async () => {
    const port = await setUp();
    const many = holdConnections(port, sources(3, 110), 1100, '\r\n', '\r\n', 300);
    const bodies = holdConnections(
      port,
      sources(4, 10),
      40,
      'POST /snom/desk-1/incoming HTTP/1.1\r\nContent-Length: 65536\r\n\r\n',
      'a',
      300,
    );
    attacks.push(many, bodies);
    await Promise.all([many.placed, bodies.placed]);
    await phonesKeepWorking(6, () => many.dripped(2));
    many.stop();
    bodies.stop();
    // Over the global cap (1,024) the longest-waiting connections were evicted.
    expect(many.closedByServer).toBeGreaterThan(0);
  });
});
