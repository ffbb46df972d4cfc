import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';
import type {
  CreateListenerOptions,
  ListenerPhone,
  ListenerRejection,
} from './listener-options.js';

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const PHONES: Record<string, ListenerPhone> = {
  p1: { id: 'p1', secret: SECRET, host: HOST },
  named: { id: 'named', secret: SECRET, host: 'localhost' },
};

const open: Listener[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(open.splice(0).map((l) => l.stop()));
});

async function start(
  extra: Partial<CreateListenerOptions> = {},
): Promise<{ port: number; events: ActionEvent[] }> {
  const events: ActionEvent[] = [];
  const listener = createListener({
    resolvePhone: (id) => PHONES[id],
    onEvent: (event) => events.push(event),
    ...extra,
  });
  open.push(listener);
  const { port } = await listener.start({ host: HOST, port: 0 });
  return { port, events };
}

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** A client connection that reads answers one by one as they arrive (Content-Length framed). */
interface Connection {
  send(bytes: string | Buffer): void;
  /** The next `count` answers. */
  answers(count: number): Promise<Answer[]>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  socket: Socket;
}

function connection(port: number): Promise<Connection> {
  const socket = connect({ host: HOST, port, noDelay: true });
  sockets.push(socket);
  let received = Buffer.alloc(0);
  const parsed: Answer[] = [];
  let wake: () => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    for (;;) {
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) break;
      const head = received.toString('latin1', 0, split);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < split + 4 + length) break;
      parsed.push({
        status: Number(head.slice(9, 12)),
        head,
        body: received.toString('utf8', split + 4, split + 4 + length),
      });
      received = received.subarray(split + 4 + length);
    }
    wake();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  void closed.then(() => {
    wake();
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      resolve({
        socket,
        closed,
        send: (bytes) =>
          socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes),
        answers: (count) =>
          new Promise((done, fail) => {
            const check = (): void => {
              if (parsed.length >= count) done(parsed.splice(0, count));
              else if (socket.destroyed)
                fail(new Error(`closed after ${String(parsed.length)} answers`));
            };
            wake = check;
            check();
          }),
      });
    });
  });
}

const get = (target: string, extra = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: pc\r\n${extra}\r\n`;
const header = (answer: Answer, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(answer.head)?.[1];
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('connections', () => {
  it('keeps a connection alive across requests, raw and encoded alike', async () => {
    const { port, events } = await start();
    const c = await connection(port);
    c.send(get(`/snom/p1/incoming?k=${SECRET}&dr=Anna%20M%C3%BCller`));
    const [first] = await c.answers(1);
    expect(first?.status).toBe(200);
    expect(header(first as Answer, 'connection')).toBe('keep-alive');
    expect(header(first as Answer, 'keep-alive')).toBe('timeout=5');
    expect(header(first as Answer, 'content-length')).toBe('0');
    expect(header(first as Answer, 'date')).toMatch(/GMT$/);
    // A raw request (refused by Node's own parser) on the same connection.
    c.send(
      Buffer.from(`GET /snom/p1/connected?k=${SECRET}&dr=Jörg Müller HTTP/1.1\r\nHost: pc\r\n\r\n`),
    );
    expect((await c.answers(1))[0]?.status).toBe(200);
    await settled();
    expect(events.map((e) => [e.kind, e.params.displayRemote])).toEqual([
      ['incoming', 'Anna Müller'],
      ['connected', 'Jörg Müller'],
    ]);
    expect(c.socket.destroyed).toBe(false);
  });

  it('answers pipelined requests in order, also when an earlier answer is asynchronous', async () => {
    // `named` is checked against "localhost" by DNS: its answer comes later than the 404's.
    const { port, events } = await start({ checkSourceAddress: true });
    const c = await connection(port);
    c.send(
      get(`/snom/named/incoming?k=${SECRET}`) +
        get(`/snom/nobody/incoming?k=${SECRET}`) +
        get(`/snom/p1/onhook?k=wrong`) +
        get('/favicon.ico') +
        get(`/snom/p1/offhook?k=${SECRET}`),
    );
    const answers = await c.answers(5);
    expect(answers.map((a) => a.status)).toEqual([200, 404, 403, 404, 200]);
    await settled();
    expect(events.map((e) => `${e.phoneId}/${e.kind}`)).toEqual(['named/incoming', 'p1/offhook']);
  });

  it('closes after the answer on Connection: close, and for HTTP/1.0 unless asked to keep it', async () => {
    const { port } = await start();
    const closing = await connection(port);
    closing.send(get(`/snom/p1/onhook?k=${SECRET}`, 'Connection: close\r\n'));
    expect(header((await closing.answers(1))[0] as Answer, 'connection')).toBe('close');
    await closing.closed;

    const old = await connection(port);
    old.send(`GET /snom/p1/onhook?k=${SECRET} HTTP/1.0\r\n\r\n`);
    expect((await old.answers(1))[0]?.status).toBe(200);
    await old.closed;

    const kept = await connection(port);
    kept.send(`GET /snom/p1/onhook?k=${SECRET} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
    kept.send(`GET /snom/p1/offhook?k=${SECRET} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
    expect((await kept.answers(2)).map((a) => a.status)).toEqual([200, 200]);
  });

  it('skips a short POST body, even one that looks like a request, and keeps serving', async () => {
    const { port, events } = await start();
    const c = await connection(port);
    const smuggled = get(`/snom/p1/hold?k=${SECRET}`);
    c.send(
      `POST /snom/p1/incoming?k=${SECRET} HTTP/1.1\r\nHost: pc\r\n` +
        `Content-Length: ${String(smuggled.length)}\r\n\r\n${smuggled.slice(0, 10)}`,
    );
    // The POST is answered once its head is read, before its body: only then does the rest
    // of the body follow, so it surely arrives in a later packet.
    const [post] = await c.answers(1);
    c.send(smuggled.slice(10)); // the rest of the body, in a later packet
    c.send(get(`/snom/p1/onhook?k=${SECRET}`));
    const [onhook] = await c.answers(1);
    expect([post, onhook].map((a) => a?.status)).toEqual([200, 200]);
    await settled();
    expect(events.map((e) => e.kind)).toEqual(['incoming', 'onhook']);
  });

  it.each([
    ['chunked', 'Transfer-Encoding: chunked\r\n', '5\r\nGET /\r\n0\r\n\r\n'],
    ['100-continue', 'Expect: 100-continue\r\nContent-Length: 5\r\n', ''],
    ['a large body', 'Content-Length: 1000000\r\n', 'x'.repeat(1000)],
  ])(
    'answers a POST with %s, then closes without reading the body',
    async (_what, headers, body) => {
      const { port, events } = await start();
      const c = await connection(port);
      c.send(`POST /snom/p1/incoming?k=${SECRET} HTTP/1.1\r\nHost: pc\r\n${headers}\r\n${body}`);
      const [answer] = await c.answers(1);
      expect(answer?.status).toBe(200);
      expect(header(answer as Answer, 'connection')).toBe('close');
      await c.closed;
      await settled();
      expect(events.map((e) => e.kind)).toEqual(['incoming']);
    },
  );

  it('answers 400 JSON and closes for a bad Content-Length or an unusable method', async () => {
    const { port } = await start();
    for (const raw of [
      `POST /snom/p1/incoming HTTP/1.1\r\nContent-Length: ten\r\n\r\n`,
      `CONNECT /snom/p1/incoming HTTP/1.1\r\nHost: pc\r\n\r\n`,
    ]) {
      const c = await connection(port);
      c.send(raw);
      const [answer] = await c.answers(1);
      expect(answer?.status).toBe(400);
      expect(JSON.parse(answer?.body ?? '')).toMatchObject({ error: 'bad-request' });
      await c.closed;
    }
  });

  it('reads bare-LF heads and skips empty lines before a request', async () => {
    const { port, events } = await start();
    const c = await connection(port);
    c.send(`\r\nGET /snom/p1/onhook?k=${SECRET} HTTP/1.1\nHost: pc\n\n`);
    expect((await c.answers(1))[0]?.status).toBe(200);
    await settled();
    expect(events).toHaveLength(1);
  });

  it('answers HEAD and other paths through the app, with a Content-Length and no HEAD body', async () => {
    const { port } = await start();
    const c = await connection(port);
    c.send(`HEAD /snom/p1/onhook?k=${SECRET} HTTP/1.1\r\nHost: pc\r\n\r\n`);
    c.send(get('/nowhere'));
    const [headAnswer, notFound] = await c.answers(2);
    expect(headAnswer?.status).toBe(200);
    expect(headAnswer?.body).toBe('');
    expect(notFound?.status).toBe(404);
    expect(header(notFound as Answer, 'content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(notFound?.body ?? '')).toMatchObject({ error: 'not-found' });
  });

  it('closes an idle connection after keepAliveTimeoutMs', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 100 });
    const c = await connection(port);
    c.send(get(`/snom/p1/onhook?k=${SECRET}`));
    const [answer] = await c.answers(1);
    expect(header(answer as Answer, 'keep-alive')).toBe('timeout=1');
    const before = Date.now();
    await c.closed;
    expect(Date.now() - before).toBeLessThan(2000);
  });

  it('stops reading from a client that does not read its answers, and catches up when it does', async () => {
    const { port, events } = await start();
    const c = await connection(port);
    c.socket.pause();
    const count = 40_000;
    const request = get(`/snom/p1/onhook?k=${SECRET}&cid=${'c'.repeat(100)}`);
    c.send(request.repeat(count));
    // Wait until the server stops making progress: it has stopped reading, since the answers
    // it wrote fill the socket buffers (about 5 MB of answers in all, more than they hold).
    // A deliberate poll: "the server reads nothing more" is an absence, which no event
    // announces; it proves itself by no new event over three polls.
    let seen = -1;
    let still = 0;
    while (still < 3 && events.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      still = events.length === seen ? still + 1 : 0;
      seen = events.length;
    }
    expect(events.length).toBeLessThan(count);
    c.socket.resume();
    const answers = await c.answers(count);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await settled();
    expect(events).toHaveLength(count);
  });

  it('reports the refusals it makes itself to onReject, fast-path ones once', async () => {
    const rejections: ListenerRejection[] = [];
    const { port } = await start({ onReject: (r) => rejections.push(r), maxHeadBytes: 512 });
    const garbage = await connection(port);
    garbage.send('\x16\x03\x01 hello\r\n\r\n');
    expect((await garbage.answers(1))[0]?.status).toBe(400);
    const big = await connection(port);
    big.send(`GET /snom/p1/onhook?k=${SECRET} HTTP/1.1\r\nX: ${'a'.repeat(600)}\r\n`);
    expect((await big.answers(1))[0]?.status).toBe(431);
    const wrong = await connection(port);
    wrong.send(get('/snom/p1/onhook?k=wrong'));
    expect((await wrong.answers(1))[0]?.status).toBe(403);
    expect(rejections.map((r) => [r.status, r.error, r.remoteAddress])).toEqual([
      [400, 'bad-request', HOST],
      [431, 'headers-too-large', HOST],
      [403, 'forbidden', HOST],
    ]);
  });
});
