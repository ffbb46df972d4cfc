import { DEFAULT_DIAL_RULES, createEventHub, type Call, type SnomlinkEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTapiClient, type TapiClient } from './client/tapi-client.js';
import { LINEERR } from './constants.js';
import { isTapiClientError } from './errors.js';
import { createTapiBridge, type TapiBridge } from './tapi-bridge.js';
import { createFakePhoneControl } from './testing/fake-phone-control.js';
import { makeCall } from './testing/make-call.js';
import { startTapiTestServer, type TapiTestServer } from './testing/serve-tapi.js';

const TOKEN = 'test-token-123';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(options: { maxBufferedBytes?: number } = {}) {
  const hub = createEventHub<SnomlinkEvent>();
  const phone = createFakePhoneControl();
  const errors: unknown[] = [];
  const bridge: TapiBridge = createTapiBridge({
    lines: [{ id: 'p1', name: 'Desk', model: 'snom360' }],
    hub,
    clientFor: () => phone,
    dialRules: DEFAULT_DIAL_RULES,
  });
  const server: TapiTestServer = await startTapiTestServer({
    bridge,
    token: TOKEN,
    ...(options.maxBufferedBytes === undefined
      ? {}
      : { maxBufferedBytes: options.maxBufferedBytes }),
    onError: (e) => errors.push(e),
  });
  cleanups.push(
    () => server.close(),
    () => bridge.close(),
  );
  const publish = (call: Call, previous: Call['state'] | null): void => {
    hub.publish({ type: 'call-state', call, previousState: previous });
  };
  return { hub, phone, bridge, server, publish, errors };
}

async function connectClient(url: string): Promise<TapiClient> {
  const client = createTapiClient({ url, token: TOKEN, reconnectDelayMs: 20 });
  cleanups.push(() => client.close());
  await client.connect();
  return client;
}

/** A raw socket that collects every message, for protocol-level assertions. */
async function rawSocket(url: string, init?: WebSocket.ClientOptions | string[]) {
  const ws = Array.isArray(init) ? new WebSocket(url, init) : new WebSocket(url, init);
  const messages: unknown[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse((data as Buffer).toString('utf8')));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('error', reject);
  });
  cleanups.push(async () => {
    ws.terminate();
    await Promise.resolve();
  });
  const next = async (count = messages.length + 1): Promise<unknown[]> => {
    while (messages.length < count) await new Promise<void>((r) => waiters.push(r));
    return messages;
  };
  return {
    ws,
    messages,
    next,
    send: (x: unknown) => {
      ws.send(typeof x === 'string' ? x : JSON.stringify(x));
    },
  };
}

function statusOf(url: string, init: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, init);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (e) => {
      if (!e.message.includes('closed before')) reject(e);
    });
  });
}

describe('createTapiRoute over a real WebSocket', () => {
  it('401 before the upgrade without a valid token; accepts bearer, ?token= and subprotocol', async () => {
    const { server } = await setup();
    expect(await statusOf(server.url, {})).toBe(401);
    expect(await statusOf(server.url, { headers: { authorization: 'Bearer nope' } })).toBe(401);
    expect(await statusOf(server.url, { headers: { authorization: `Bearer ${TOKEN}` } })).toBe(101);
    expect(await statusOf(`${server.url}?token=${TOKEN}`, {})).toBe(101);
    const browserLike = await rawSocket(server.url, ['snomlink-tapi.v1', `token.${TOKEN}`]);
    expect(browserLike.ws.protocol).toBe('snomlink-tapi.v1');
  });

  it('answers malformed JSON, unknown methods, bad params and TAPI refusals with JSON-RPC errors', async () => {
    const { server } = await setup();
    const s = await rawSocket(`${server.url}?token=${TOKEN}`);
    s.send('{not json');
    s.send({ jsonrpc: '2.0', id: 1, method: 'lineFly', params: {} });
    s.send({ jsonrpc: '2.0', id: 2, method: 'lineOpen', params: { lineId: 42 } });
    s.send({ jsonrpc: '2.0', id: 3, method: 'lineDrop', params: { callId: 'ghost' } });
    s.send({ id: 4, method: 'lineOpen' });
    s.send([
      { jsonrpc: '2.0', id: 5, method: 'lineInitialize' },
      { jsonrpc: '2.0', id: 6, method: 'nope' },
    ]);
    const m = await s.next(6);
    // Responses come back as each request finishes, so find them by id.
    const byId = (id: number | null): unknown =>
      m.find((x) => !Array.isArray(x) && (x as { id: unknown }).id === id);
    expect(byId(null)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    expect(byId(1)).toMatchObject({ error: { code: -32601 } });
    expect(byId(2)).toMatchObject({ error: { code: -32602 } });
    expect(byId(3)).toMatchObject({
      error: {
        code: -32000,
        data: {
          lineErr: 'LINEERR_INVALCALLHANDLE',
          code: LINEERR.INVALCALLHANDLE,
          operation: 'lineDrop',
        },
      },
    });
    expect(byId(4)).toMatchObject({ error: { code: -32600 } });
    expect(m.find((x) => Array.isArray(x))).toEqual([
      { jsonrpc: '2.0', id: 5, result: expect.objectContaining({ apiVersion: '1.0' }) as unknown },
      expect.objectContaining({
        id: 6,
        error: expect.objectContaining({ code: -32601 }) as unknown,
      }),
    ]);
  });

  it('lineOpen replies with the snapshot before any notification for the line', async () => {
    const { server, publish } = await setup();
    publish(makeCall({ id: 'live', phoneId: 'p1', state: 'connected' }), null);
    const s = await rawSocket(`${server.url}?token=${TOKEN}`);
    s.send({ jsonrpc: '2.0', id: 1, method: 'lineOpen', params: { lineId: 'p1' } });
    // Published in the same tick as the request is handled: must still come after the reply.
    s.ws.once('message', () => {
      publish(makeCall({ id: 'live', phoneId: 'p1', state: 'onhold' }), 'connected');
    });
    const m = await s.next(2);
    expect(m[0]).toMatchObject({
      id: 1,
      result: { lineId: 'p1', calls: [{ callId: 'live', callStateName: 'CONNECTED' }] },
    });
    expect(m[1]).toMatchObject({
      method: 'LINE_CALLSTATE',
      params: { callId: 'live', callStateName: 'ONHOLD' },
    });
  });

  it("lineMakeCall replies before the new call's first LINE_CALLSTATE, like LINE_REPLY", async () => {
    const { server, publish, phone } = await setup();
    const s = await rawSocket(`${server.url}?token=${TOKEN}`);
    s.send({ jsonrpc: '2.0', id: 1, method: 'lineOpen', params: { lineId: 'p1' } });
    await s.next(1);
    // A refused dial command is LINEERR_OPERATIONFAILED; the retry succeeds.
    phone.failNext('dial', new Error('unused'), false);
    s.send({
      jsonrpc: '2.0',
      id: 2,
      method: 'lineMakeCall',
      params: { lineId: 'p1', destAddress: '201' },
    });
    const refused = await s.next(2);
    expect(refused[1]).toMatchObject({
      id: 2,
      error: { data: { lineErr: 'LINEERR_OPERATIONFAILED' } },
    });
    s.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'lineMakeCall',
      params: { lineId: 'p1', destAddress: '201' },
    });
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (phone.commands.length > 0) resolve();
        else setImmediate(check);
      };
      check();
    });
    publish(makeCall({ id: 'out1', phoneId: 'p1', direction: 'outbound', state: 'dialing' }), null);
    const m = await s.next(4);
    expect(m[2]).toMatchObject({
      id: 3,
      result: { callId: 'out1', dialed: '201', info: { callStateName: 'DIALING' } },
    });
    expect(m[3]).toMatchObject({
      method: 'LINE_CALLSTATE',
      params: { callId: 'out1', callStateName: 'DIALING' },
    });
  });

  it('the client library re-opens its lines after a reconnect and gets a fresh snapshot', async () => {
    const { server, bridge, publish } = await setup();
    const client = await connectClient(server.url);
    const first = await client.lineOpen('p1');
    expect(first.calls).toEqual([]);
    publish(makeCall({ id: 'c9', phoneId: 'p1', state: 'offering' }), null);
    await client.waitFor('LINE_CALLSTATE', (p) => p.callId === 'c9');
    // Drop every server-side socket: the client reconnects on its own.
    const snapshot = client.waitFor('snapshot', (s) => s.reconnect);
    await server.close();
    const again = await startTapiTestServer({ bridge, token: TOKEN, port: server.port });
    cleanups.push(() => again.close());
    const snap = await snapshot;
    expect(snap.calls.map((c) => [c.callId, c.callStateName])).toEqual([['c9', 'OFFERING']]);
    publish(makeCall({ id: 'c9', phoneId: 'p1', state: 'connected' }), 'offering');
    const cs = await client.waitFor('LINE_CALLSTATE', (p) => p.callStateName === 'CONNECTED');
    expect(cs.callId).toBe('c9');
  });

  it('refused operations reach the library client as TapiClientError with the LINEERR code', async () => {
    const { server, publish, phone } = await setup();
    const client = await connectClient(server.url);
    await client.lineOpen('p1');
    publish(makeCall({ id: 'r1', phoneId: 'p1', state: 'offering' }), null);
    const error = await client.lineHold('r1').catch((e: unknown) => e);
    expect(isTapiClientError(error)).toBe(true);
    if (isTapiClientError(error)) {
      expect(error.lineErrCode).toBe(LINEERR.INVALCALLSTATE);
      expect(error.rpcCode).toBe(-32000);
      expect(error.message).toMatch(/LINEERR_INVALCALLSTATE/);
    }
    expect(phone.commands).toEqual([]);
  });

  it('a client that stops reading is disconnected instead of buffered forever', async () => {
    const { server, publish, bridge, errors } = await setup({ maxBufferedBytes: 64 * 1024 });
    const s = await rawSocket(`${server.url}?token=${TOKEN}`);
    s.send({ jsonrpc: '2.0', id: 1, method: 'lineOpen', params: { lineId: 'p1' } });
    await s.next(1);
    expect(bridge.sessionCount).toBe(1);
    // Stop reading: pause the underlying TCP socket so the server's buffer fills.
    (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<void>((resolve) =>
      s.ws.once('close', () => {
        resolve();
      }),
    );
    const big = 'x'.repeat(2_000);
    let i = 0;
    while (bridge.sessionCount > 0 && i < 100_000) {
      publish(
        makeCall({
          id: `flood${i}`,
          phoneId: 'p1',
          state: 'offering',
          callerId: {
            number: '1',
            displayName: big,
            directoryName: null,
            canonical: '1',
            e164: null,
            anonymous: false,
            raw: big,
          },
        }),
        null,
      );
      i += 1;
      if (i % 200 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    expect(bridge.sessionCount).toBe(0);
    expect(errors.some((e) => /stopped reading/.test(String(e)))).toBe(true);
    (s.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await closed;
  });
});
