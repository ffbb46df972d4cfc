import { connect, createServer } from 'node:net';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildActionUrls } from './action-urls.js';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';
import { isListenerError, isListenerStartError, ListenerStartError } from './errors.js';
import type { CreateListenerOptions, ListenerPhone } from './listener-options.js';
import { expandActionUrl, rawPhoneRequest } from './testing/phone-request.js';
import { sendRawRequest } from './testing/send-raw-request.js';

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const PHONES: Record<string, ListenerPhone> = { p1: { id: 'p1', secret: SECRET, host: HOST } };

const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.stop()));
});

function start(extra: Partial<CreateListenerOptions> = {}): {
  listener: Listener;
  events: ActionEvent[];
  next: () => Promise<ActionEvent>;
} {
  const events: ActionEvent[] = [];
  const waiters: ((e: ActionEvent) => void)[] = [];
  const listener = createListener({
    resolvePhone: (id) => PHONES[id],
    onEvent: (event) => {
      events.push(event);
      waiters.shift()?.(event);
    },
    ...extra,
  });
  open.push(listener);
  return {
    listener,
    events,
    next: () =>
      new Promise((resolve) => {
        waiters.push(resolve);
      }),
  };
}

const template =
  buildActionUrls({
    publicBase: 'http://127.0.0.1:1',
    phoneId: 'p1',
    secret: SECRET,
    capabilities: 'full',
  }).action_incoming_url ?? '';

describe('lifecycle', () => {
  it('starts, reports state and address, stops', async () => {
    const { listener } = start();
    expect(listener.state).toBe('inactive');
    expect(listener.address).toBeNull();
    const address = await listener.start({ host: HOST, port: 0 });
    expect(address.host).toBe(HOST);
    expect(address.port).toBeGreaterThan(0);
    expect(listener.state).toBe('active');
    expect(listener.address).toEqual(address);
    const res = await fetch(`http://${HOST}:${String(address.port)}/snom/p1/onhook?k=${SECRET}`);
    expect(res.status).toBe(200);
    await listener.stop();
    expect(listener.state).toBe('inactive');
    expect(listener.address).toBeNull();
    await expect(fetch(`http://${HOST}:${String(address.port)}/`)).rejects.toThrow();
    await listener.stop(); // idempotent
  });

  it('moves to a new port keeping the app, and closes the old one', async () => {
    const { listener, next } = start();
    const first = await listener.start({ host: HOST, port: 0 });
    const appBefore = listener.app;
    const second = await listener.start({ host: HOST, port: 0 });
    expect(second.port).not.toBe(first.port);
    expect(listener.app).toBe(appBefore);
    const received = next();
    const res = await sendRawRequest(
      HOST,
      second.port,
      rawPhoneRequest(`/snom/p1/hold?k=${SECRET}`),
    );
    expect(res.status).toBe(200);
    expect((await received).kind).toBe('hold');
    await expect(fetch(`http://${HOST}:${String(first.port)}/`)).rejects.toThrow();
  });

  it('a port in use gives a ListenerStartError that names the port and says what to do', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, HOST, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { listener } = start();
      const error: unknown = await listener.start({ host: HOST, port }).catch((e: unknown) => e);
      expect(isListenerStartError(error)).toBe(true);
      expect(isListenerError(error)).toBe(true);
      const e = error as ListenerStartError;
      expect(e.code).toBe('port-in-use');
      expect(e.port).toBe(port);
      expect(e.host).toBe(HOST);
      expect(e.message).toContain(String(port));
      expect(e.message).toContain('choose another port (listener.port or --listen)');
      expect(e.cause).toBeInstanceOf(Error);
      expect(listener.state).toBe('inactive');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a failed move keeps the old port serving', async () => {
    const { listener } = start();
    const first = await listener.start({ host: HOST, port: 0 });
    const error: unknown = await listener
      .start({ host: HOST, port: first.port })
      .catch((e: unknown) => e);
    expect((error as ListenerStartError).code).toBe('port-in-use');
    expect(listener.address).toEqual(first);
    const res = await fetch(`http://${HOST}:${String(first.port)}/snom/p1/onhook?k=${SECRET}`);
    expect(res.status).toBe(200);
  });

  it('an address that is not local gives code address-unavailable', async () => {
    const { listener } = start();
    // 192.0.2.1 (TEST-NET-1) is never assigned to this machine; binding sends no traffic.
    const error = (await listener
      .start({ host: '192.0.2.1', port: 0 })
      .catch((e: unknown) => e)) as ListenerStartError;
    expect(error.code).toBe('address-unavailable');
    expect(error.message).toContain('192.0.2.1');
  });

  it('an invalid port gives code invalid-port', async () => {
    const { listener } = start();
    const error = (await listener
      .start({ host: HOST, port: 70000 })
      .catch((e: unknown) => e)) as ListenerStartError;
    expect(error.code).toBe('invalid-port');
    expect(error.message).toContain('70000');
  });

  it('the permission message names the port and the fix', () => {
    const error = new ListenerStartError('permission', '0.0.0.0', 80);
    expect(error.message).toContain('port 80');
    expect(error.message).toContain('choose another port (listener.port or --listen)');
    expect(error.name).toBe('ListenerStartError');
  });
});

describe('raw phone requests over a real socket', () => {
  const caller = {
    callId: 'a84b4c76e66710@pbx.example',
    nrOngoingCalls: '1',
    activeUser: '201',
    local: 'sip:201@pbx.example',
    remote: 'sip:+4930123456@pbx.example',
  };

  it.each([
    ['raw UTF-8 with spaces', 'Jörg Müller', false],
    ['raw Latin-1', 'Jörg Müller', true],
    ['& # = and quotes', 'A&B #1 = "x" <y> {z} | ^ `w` \\ 100%', false],
    ['CJK and emoji', '山田 太郎 📞', false],
  ])('delivers %s with the display name intact', async (_label, name, latin1) => {
    const { listener, next } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const target = expandActionUrl(template, { ...caller, displayRemote: name });
    const received = next();
    const res = await sendRawRequest(HOST, port, rawPhoneRequest(target, { latin1 }));
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const event = await received;
    expect(event.params).toEqual({
      callId: caller.callId,
      nrOngoingCalls: 1,
      activeUser: '201',
      local: caller.local,
      remote: caller.remote,
      displayRemote: name,
    });
  });

  it('rejects a raw request with a wrong secret (403 JSON) and delivers nothing', async () => {
    const { listener, events } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const res = await sendRawRequest(
      HOST,
      port,
      rawPhoneRequest('/snom/p1/incoming?k=nope&dr=Jörg Müller'),
    );
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'forbidden' });
    // A valid event afterwards is delivered, and it is the only one.
    const ok = await sendRawRequest(HOST, port, rawPhoneRequest(`/snom/p1/onhook?k=${SECRET}`));
    expect(ok.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => e.kind)).toEqual(['onhook']);
  });

  it('uses the source address of the raw socket for the source check', async () => {
    const { listener, next } = start({ checkSourceAddress: true });
    const { port } = await listener.start({ host: HOST, port: 0 });
    const received = next();
    const res = await sendRawRequest(
      HOST,
      port,
      rawPhoneRequest(`/snom/p1/incoming?k=${SECRET}&dr=Jörg Müller`),
    );
    expect(res.status).toBe(200);
    expect((await received).params.displayRemote).toBe('Jörg Müller');
  });

  it('answers HTTP/1.0 requests without a Host header', async () => {
    const { listener, next } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const received = next();
    const res = await sendRawRequest(
      HOST,
      port,
      `GET /snom/p1/offhook?k=${SECRET}&dr=a+b HTTP/1.0\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    expect((await received).params.displayRemote).toBe('a+b');
  });

  it('does not deliver a valid request twice when a refused one follows in the same packet', async () => {
    const { listener, events, next } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const first = next();
    const second = next();
    const bytes = Buffer.concat([
      Buffer.from(`GET /snom/p1/offhook?k=${SECRET} HTTP/1.1\r\nHost: x\r\n\r\n`),
      rawPhoneRequest(`/snom/p1/incoming?k=${SECRET}&dr=Zoë Ünal`),
    ]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: HOST, port }, () => socket.end(bytes));
      socket.on('data', () => undefined);
      socket.on('close', () => {
        resolve();
      });
      socket.on('error', reject);
    });
    expect((await first).kind).toBe('offhook');
    expect((await second).params.displayRemote).toBe('Zoë Ünal');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => e.kind)).toEqual(['offhook', 'incoming']);
  });

  it('reads a raw head that arrives in pieces', async () => {
    const { listener, next } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const bytes = rawPhoneRequest(`/snom/p1/incoming?k=${SECRET}&dr=Jörg Müller-Lüdenscheidt`);
    const cut = bytes.indexOf('Müller') + 2; // inside a UTF-8 character
    const received = next();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: HOST, port, noDelay: true });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.on('close', () => {
        resolve(data);
      });
      socket.on('error', reject);
      socket.write(bytes.subarray(0, cut));
      setTimeout(() => socket.write(bytes.subarray(cut)), 50);
    });
    expect(answer.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect((await received).params.displayRemote).toBe('Jörg Müller-Lüdenscheidt');
  });

  it('bounds a head in size: too large → 431, and closes', async () => {
    const { listener, events } = start({ maxHeadBytes: 1024 });
    const { port } = await listener.start({ host: HOST, port: 0 });
    const head = Buffer.concat([
      Buffer.from(`GET /snom/p1/incoming?k=${SECRET}&dr=Jörg Müller HTTP/1.1\r\n`),
      Buffer.from(`X-Pad: ${'a'.repeat(2000)}\r\n`), // no end of head
    ]);
    const res = await sendRawRequest(HOST, port, head);
    expect(res.status).toBe(431);
    expect(events).toHaveLength(0);
  });

  it('bounds a head in time: one that stops arriving is answered 408 and closed', async () => {
    const { listener, events } = start({ keepAliveTimeoutMs: 200 });
    const { port } = await listener.start({ host: HOST, port: 0 });
    const res = await sendRawRequest(
      HOST,
      port,
      Buffer.from(`GET /snom/p1/incoming?k=${SECRET}&dr=Jörg Müller HTTP/1.1\r\nHost: x\r\n`),
    );
    expect(res.status).toBe(408);
    expect(events).toHaveLength(0);
  });

  it('bounds a head in time: one that trickles in past headersTimeoutMs is answered 408', async () => {
    const { listener, events } = start({ headersTimeoutMs: 150 });
    const { port } = await listener.start({ host: HOST, port: 0 });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: HOST, port, noDelay: true });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.on('error', reject);
      const bytes = `GET /snom/p1/incoming?k=${SECRET} HTTP/1.1\r\nHost: x\r\n`;
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.writable) socket.write(bytes[sent % bytes.length] ?? 'x');
        sent++;
      }, 20);
      socket.on('close', () => {
        clearInterval(timer);
        resolve(data);
      });
    });
    expect(answer.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(events).toHaveLength(0);
  });

  it('over maxConnections, evicts the connection waiting longest and serves the new one', async () => {
    // Until issue 15 a new connection over the cap was closed at once, so a host holding the
    // connections open kept every phone's next event out.
    const { listener } = start({ maxConnections: 1 });
    const { port } = await listener.start({ host: HOST, port: 0 });
    const hold = connect({ host: HOST, port });
    hold.on('error', () => undefined);
    const holdClosed = new Promise((resolve) => hold.once('close', resolve));
    hold.write('GET /snom/p1/incoming?k=x&dr=a b HTTP/1.1\r\n'); // incomplete: stays open
    await new Promise((resolve) => hold.once('connect', resolve));
    await vi.waitFor(() => {
      expect(listener.stats().connections).toBe(1);
    });
    const ok = await sendRawRequest(HOST, port, rawPhoneRequest(`/snom/p1/onhook?k=${SECRET}`));
    expect(ok.status).toBe(200);
    await holdClosed;
    expect(listener.stats()).toMatchObject({ evicted: 1, refused: 0 });
  });

  it('answers 414 when the request line alone is longer than the head limit', async () => {
    const { listener } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const res = await sendRawRequest(
      HOST,
      port,
      `GET /snom/p1/incoming?k=${SECRET}&dr=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(res.status).toBe(414);
  });

  it('answers garbage with 400 and keeps serving', async () => {
    const { listener } = start();
    const { port } = await listener.start({ host: HOST, port: 0 });
    const res = await sendRawRequest(HOST, port, '\x16\x03\x01 garbage\r\n\r\n');
    expect(res.status).toBe(400);
    const ok = await sendRawRequest(HOST, port, rawPhoneRequest(`/snom/p1/onhook?k=${SECRET}`));
    expect(ok.status).toBe(200);
  });
});
