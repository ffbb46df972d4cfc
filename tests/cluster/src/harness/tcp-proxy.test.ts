import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTcpProxy, rendezvousOrder } from './tcp-proxy.js';
import type { TcpProxy } from './tcp-proxy.js';

/** A backend that echoes every byte after a one-byte tag naming itself. */
async function taggedEcho(tag: number): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.write(Buffer.from([tag]));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

/** Connects from `localAddress`, sends `payload`, resolves with [backend tag, echoed bytes]. */
function roundTrip(
  proxy: TcpProxy,
  localAddress: string,
  payload: Buffer = Buffer.from('ping'),
): Promise<{ tag: number | null; echoed: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: proxy.host, port: proxy.port, localAddress });
    const chunks: Buffer[] = [];
    let total = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= payload.length + 1) socket.end();
    });
    socket.once('connect', () => socket.write(payload));
    socket.once('error', reject);
    socket.once('close', () => {
      const all = Buffer.concat(chunks);
      resolve({ tag: all.length > 0 ? (all[0] ?? null) : null, echoed: all.subarray(1) });
    });
  });
}

const servers: Server[] = [];
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) =>
          s.close(() => {
            resolve();
          }),
        ),
    ),
  );
});

async function setUp(count: number): Promise<{ ports: number[] }> {
  const backends = await Promise.all(Array.from({ length: count }, (_, i) => taggedEcho(i)));
  servers.push(...backends.map((b) => b.server));
  proxy = await createTcpProxy({
    backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })),
    deadForMs: 60_000,
  });
  return { ports: backends.map((b) => b.port) };
}

const sources = Array.from({ length: 24 }, (_, i) => `127.0.${String(40 + i)}.7`);

describe('rendezvousOrder', () => {
  it('is a stable permutation, spreads sources, and moves only the sources of a removed backend', () => {
    const first = sources.map((s) => rendezvousOrder(s, 3)[0]);
    expect(sources.map((s) => rendezvousOrder(s, 3)[0])).toEqual(first);
    for (const s of sources) expect([...rendezvousOrder(s, 3)].sort()).toEqual([0, 1, 2]);
    expect(new Set(first).size).toBe(3);
  });
});

describe('createTcpProxy', () => {
  it('pipes bytes unchanged and keeps each source on one backend', async () => {
    await setUp(3);
    if (proxy === undefined) throw new Error('no proxy');
    const payload = randomBytes(256 * 1024);
    const big = await roundTrip(proxy, '127.0.40.7', payload);
    expect(big.echoed.equals(payload)).toBe(true);
    const seen = new Map<string, number | null>();
    for (const source of sources) {
      const { tag } = await roundTrip(proxy, source);
      expect(tag).toBe(proxy.preferenceOf(source)[0]);
      seen.set(source, tag);
    }
    for (const source of sources.slice(0, 6)) {
      expect((await roundTrip(proxy, source)).tag).toBe(seen.get(source));
    }
    expect(new Set(seen.values()).size).toBe(3);
    expect(proxy.stats().forwarded.reduce((a, b) => a + b, 0)).toBe(1 + sources.length + 6);
  });

  it('skips a dead backend: its sources move to their second choice, the others stay', async () => {
    await setUp(3);
    if (proxy === undefined) throw new Error('no proxy');
    const p = proxy;
    await new Promise<void>((resolve) =>
      servers[1]?.close(() => {
        resolve();
      }),
    );
    for (const source of sources) {
      const [first, second] = p.preferenceOf(source);
      const { tag } = await roundTrip(p, source);
      expect(tag).toBe(first === 1 ? second : first);
    }
    expect(p.stats().failovers).toBeGreaterThanOrEqual(1);
    // Marked dead: later connections of its sources do not even try it.
    expect(p.stats().forwarded[1]).toBe(0);
  });

  it('skips a disabled backend and drops the client when no backend is reachable', async () => {
    await setUp(2);
    if (proxy === undefined) throw new Error('no proxy');
    const p = proxy;
    p.setEnabled(0, false);
    for (const source of sources.slice(0, 8)) expect((await roundTrip(p, source)).tag).toBe(1);
    p.setEnabled(0, true);
    const back = sources.find((s) => p.preferenceOf(s)[0] === 0) ?? '';
    expect((await roundTrip(p, back)).tag).toBe(0);
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) =>
            s.close(() => {
              resolve();
            }),
          ),
      ),
    );
    const gone = await roundTrip(p, back);
    expect(gone.tag).toBeNull();
    expect(p.stats().dropped).toBe(1);
    expect(() => {
      p.setEnabled(5, false);
    }).toThrow(RangeError);
  });
});
