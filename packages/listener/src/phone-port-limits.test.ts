import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';
import type {
  CreateListenerOptions,
  ListenerConnectionEvent,
  ListenerPhone,
} from './listener-options.js';
import { rawPhoneRequest } from './testing/phone-request.js';
import { sendRawRequest } from './testing/send-raw-request.js';

// Issue 15: a host on the LAN must not be able to keep a phone's event out by holding
// connections open, trickling bytes, or never closing its side.

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const PHONES: Record<string, ListenerPhone> = { p1: { id: 'p1', secret: SECRET, host: HOST } };

const open: Listener[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.splice(0).forEach((t) => {
    clearInterval(t);
  });
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(open.splice(0).map((l) => l.stop()));
});

async function start(extra: Partial<CreateListenerOptions> = {}): Promise<{
  port: number;
  listener: Listener;
  events: ActionEvent[];
  reports: ListenerConnectionEvent[];
}> {
  const events: ActionEvent[] = [];
  const reports: ListenerConnectionEvent[] = [];
  const listener = createListener({
    resolvePhone: (id) => PHONES[id],
    onEvent: (event) => events.push(event),
    onConnectionEvent: (event) => reports.push(event),
    ...extra,
  });
  open.push(listener);
  const { port } = await listener.start({ host: HOST, port: 0 });
  return { port, listener, events, reports };
}

interface Held {
  socket: Socket;
  closed: Promise<number>;
  /** Bytes the server sent. */
  received(): string;
}

/** Opens a connection from `from` (a 127.x.y.z address) and writes `first`. */
async function hold(port: number, first: string, from = HOST, halfOpen = false): Promise<Held> {
  const socket = connect({ host: HOST, port, localAddress: from, allowHalfOpen: halfOpen });
  sockets.push(socket);
  socket.on('error', () => undefined);
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  const openedAt = Date.now();
  const closed = new Promise<number>((resolve) => {
    socket.once('close', () => {
      resolve(Date.now() - openedAt);
    });
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  if (first !== '') socket.write(first);
  return { socket, closed, received: () => data };
}

/** Writes `bytes` every `ms` while the socket is writable (a slowloris). */
function trickle(socket: Socket, bytes: string, ms: number): void {
  const timer = setInterval(() => {
    if (socket.writable) socket.write(bytes);
  }, ms);
  timers.push(timer);
  socket.once('close', () => {
    clearInterval(timer);
  });
}

/** Resolves with the time it took, or with Infinity when `promise` did not settle in `ms`. */
function within(promise: Promise<number>, ms: number): Promise<number> {
  return Promise.race([
    promise,
    new Promise<number>((r) => {
      setTimeout(() => {
        r(Infinity);
      }, ms);
    }),
  ]);
}

describe('deadlines', () => {
  it('the head deadline starts at the first byte, also when only empty lines arrive', async () => {
    // Before: empty lines never started the head timer and each byte reset the idle timer.
    const { port, reports } = await start({ headersTimeoutMs: 200, keepAliveTimeoutMs: 5000 });
    const c = await hold(port, '\r\n');
    trickle(c.socket, '\r\n', 30);
    expect(await within(c.closed, 3000)).toBeLessThan(3000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(reports).toContainEqual({
      type: 'dropped',
      reason: 'head-timeout',
      remoteAddress: HOST,
    });
  });

  it('a head that stops arriving is closed at its deadline, not only after the idle time', async () => {
    const { port } = await start({ headersTimeoutMs: 200, keepAliveTimeoutMs: 20_000 });
    const c = await hold(port, 'GET /snom/p1/onhook HTTP/1.1\r\n');
    expect(await within(c.closed, 3000)).toBeLessThan(3000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a trickled body (Content-Length: 65536) is cut off at bodyTimeoutMs', async () => {
    // Before: a body had no deadline; a byte every few seconds kept the connection for ever.
    const { port, listener, reports } = await start({ bodyTimeoutMs: 300 });
    const c = await hold(port, 'POST /x HTTP/1.1\r\nContent-Length: 65536\r\n\r\na');
    trickle(c.socket, 'a', 30);
    expect(await within(c.closed, 3000)).toBeLessThan(3000);
    expect(reports).toContainEqual({
      type: 'dropped',
      reason: 'body-timeout',
      remoteAddress: HOST,
    });
    expect(listener.stats().dropped).toBe(1);
  });

  it('a refused connection is destroyed even when the client keeps its side open', async () => {
    // Before: the server only ended its side; a client that kept writing held the socket.
    const { port, listener } = await start({ keepAliveTimeoutMs: 5000 });
    const c = await hold(port, '\x16\x03\x01 garbage\r\n\r\n', HOST, true);
    trickle(c.socket, '\r\n', 50);
    expect(await within(c.closed, 4000)).toBeLessThan(4000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 400 /);
    await vi.waitFor(() => {
      expect(listener.stats().connections).toBe(0);
    });
  });
});

describe('connection caps', () => {
  async function phoneEvent(port: number): Promise<number> {
    const res = await sendRawRequest(HOST, port, rawPhoneRequest(`/snom/p1/onhook?k=${SECRET}`));
    return res.status;
  }

  it('one host holding many connections neither exceeds its per-source cap nor keeps a phone out', async () => {
    const { port, listener, events, reports } = await start({
      maxConnectionsPerSource: 4,
      maxConnections: 8,
    });
    const attacker = '127.0.0.2';
    const held: Held[] = [];
    for (let i = 0; i < 12; i++) held.push(await hold(port, '\r\n', attacker));
    await vi.waitFor(() => {
      expect(listener.stats().connections).toBe(4);
    });
    // The first ones waited longest: they were the ones evicted.
    expect(await within(held[0]!.closed, 2000)).toBeLessThan(2000);
    expect(held[11]!.socket.destroyed).toBe(false);
    expect(await phoneEvent(port)).toBe(200);
    await vi.waitFor(() => {
      expect(events).toHaveLength(1);
    });
    expect(listener.stats()).toMatchObject({ evicted: 8, refused: 0 });
    expect(reports.filter((r) => r.type === 'evicted')).toContainEqual({
      type: 'evicted',
      reason: 'per-source-limit',
      remoteAddress: attacker,
    });
  });

  it('a balancer address is held only to the global cap: every phone behind it shares it', async () => {
    // Behind an L4 balancer without PROXY protocol every phone arrives from the balancer's
    // address; before, 17 Action URLs in flight at once (a NATS fail-over in cluster mode) hit
    // the per-source cap of 16 and phones' connections were refused.
    const { port, listener } = await start({
      maxConnectionsPerSource: 2,
      maxConnections: 8,
      balancerAddresses: ['::ffff:127.0.0.3'],
    });
    const viaBalancer: Held[] = [];
    for (let i = 0; i < 6; i++) viaBalancer.push(await hold(port, '\r\n', '127.0.0.3'));
    const other: Held[] = [];
    for (let i = 0; i < 4; i++) other.push(await hold(port, '\r\n', '127.0.0.4'));
    await vi.waitFor(() => {
      expect(listener.stats().connections).toBe(8);
    });
    // The other host is still held to 2; the balancer kept all 6.
    expect(viaBalancer.every((c) => !c.socket.destroyed)).toBe(true);
    expect(listener.stats()).toMatchObject({ evicted: 2, refused: 0 });
  });

  it('many hosts filling the global cap do not keep a phone out: the longest-waiting goes', async () => {
    // Before: over maxConnections a new connection was closed at once, so a phone's next
    // Action URL got a reset while the attackers' connections stayed.
    const { port, listener, events, reports } = await start({ maxConnections: 8 });
    const held: Held[] = [];
    for (let i = 0; i < 8; i++) {
      held.push(await hold(port, 'GET /snom/p1/onhook HTTP/1.1\r\n', `127.0.${String(i + 1)}.9`));
    }
    await vi.waitFor(() => {
      expect(listener.stats().connections).toBe(8);
    });
    for (let round = 0; round < 3; round++) expect(await phoneEvent(port)).toBe(200);
    await vi.waitFor(() => {
      expect(events).toHaveLength(3);
    });
    expect(await within(held[0]!.closed, 2000)).toBeLessThan(2000);
    expect(reports).toContainEqual({
      type: 'evicted',
      reason: 'connection-limit',
      remoteAddress: '127.0.1.9',
    });
    expect(listener.stats().refused).toBe(0);
  });
});

describe('reports', () => {
  it('writes unexpected errors to the logger option, not to the console', async () => {
    const logged: string[] = [];
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { port } = await start({
        onEvent: () => {
          throw new Error('consumer broke');
        },
        logger: { error: (message) => logged.push(message) },
      });
      const res = await sendRawRequest(HOST, port, rawPhoneRequest(`/snom/p1/onhook?k=${SECRET}`));
      expect(res.status).toBe(200);
      await vi.waitFor(() => {
        expect(logged).toEqual(['onEvent failed for onhook from phone p1']);
      });
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });

  it('answers an accepted event 200 with an empty body (a body would show on the phone) and takes an empty $local', async () => {
    const { port, events } = await start();
    const res = await sendRawRequest(
      HOST,
      port,
      rawPhoneRequest(`/snom/p1/incoming?k=${SECRET}&cid=a1&local=&remote=201@pbx`),
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.head).toMatch(/\r\ncontent-length: 0/i);
    await vi.waitFor(() => {
      expect(events).toHaveLength(1);
    });
    expect(events[0]?.params).toEqual({ callId: 'a1', remote: '201@pbx' });
  });
});
