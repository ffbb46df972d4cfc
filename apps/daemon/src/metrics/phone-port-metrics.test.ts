/**
 * The phone port's limits from `listener.limits` on a real daemon in process: connections the
 * port evicts, refuses or drops show in `GET /api/metrics` and are warned about once (then
 * summarised), and the configured rate limiter answers 429.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneConfig } from '../config/config-schema.js';
import { openConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon } from '../daemon.js';
import { parsePrometheusText } from '../testing/prometheus.js';
import { sourceWriterThread } from '../testing/source-writer-thread.js';

let dir: string;
let daemon: Daemon;
let token: string;
let port: number;
const logLines: { level: number; msg: string; reason?: string; type?: string }[] = [];
const sockets: Socket[] = [];

async function counter(type: string, reason: string): Promise<number> {
  const res = await daemon.app.request('/api/metrics', {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = parsePrometheusText(await res.text());
  return text.value('snomlink_listener_connections_closed_total', { type, reason });
}

/** A connection that sends the start of a head and then nothing (a slowloris client). */
async function holdOpen(): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
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
  socket.write('GET /snom/desk/incoming?k=');
  return { socket, closed };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-port-metrics-'));
  const config = await openConfigStore({
    file: join(dir, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: {
        ...c.listener,
        host: '127.0.0.1',
        port: 0,
        limits: {
          ...c.listener.limits,
          maxConnectionsPerSource: 2,
          headersTimeoutMs: 60_000,
          rateLimit: { perSecond: 1, burst: 2 },
        },
      },
      health: { ...c.health, intervalMs: 0 },
      phones: [phoneConfig({ id: 'desk', host: '127.0.0.9:1', secret: 'desk-secret-0123456789' })],
    }),
  });
  token = config.current.admin.token;
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        logLines.push(JSON.parse(line) as (typeof logLines)[number]);
      },
    },
  );
  daemon = createDaemon({
    config,
    dataDir: dir,
    logger,
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
  });
  const addresses = await daemon.start();
  port = addresses.listener.port;
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await daemon.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('phone port limits from the config', () => {
  it('counts evictions over the per-source cap in /api/metrics and warns once', async () => {
    expect(await counter('evicted', 'per-source-limit')).toBe(0);
    const first = await holdOpen();
    await holdOpen();
    // Over the cap of 2: the connection that has waited longest goes.
    await holdOpen();
    await first.closed;
    expect(await counter('evicted', 'per-source-limit')).toBe(1);
    const second = sockets[1]!;
    const secondClosed = new Promise<void>((resolve) =>
      second.once('close', () => {
        resolve();
      }),
    );
    await holdOpen();
    await secondClosed;
    expect(await counter('evicted', 'per-source-limit')).toBe(2);

    const warnings = logLines.filter((l) => l.reason === 'per-source-limit');
    // One warning; the second eviction waits for the minute's summary.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(warnings[0]!.msg).toMatch(/maxConnectionsPerSource/);

    const res = await daemon.app.request('/api/metrics', {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = parsePrometheusText(await res.text());
    expect(text.types.get('snomlink_listener_connections_closed_total')).toBe('counter');
    expect(text.value('snomlink_listener_connections')).toBeGreaterThanOrEqual(2);
    expect(
      text.value('snomlink_listener_connections_closed_total', {
        type: 'refused',
        reason: 'connection-limit',
      }),
    ).toBe(0);
  });

  it('applies the configured rate limiter (429 past the burst)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(
        `http://127.0.0.1:${String(port)}/snom/desk/offhook?k=desk-secret-0123456789`,
      );
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
  });
});
