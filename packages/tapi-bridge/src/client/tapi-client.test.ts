/**
 * The client's connection care against a bare `ws` server on a real socket: heartbeat (a server
 * that stops answering pings is dropped and reconnected), and no reconnect loop after a 401.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { TapiLogger } from '../logger.js';
import { createTapiClient } from './tapi-client.js';
import type { TapiClient } from './tapi-client.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A ws server on 127.0.0.1 that checks the Bearer token; `state.token` may change later. */
async function server(options: { autoPong: boolean }): Promise<{
  url: string;
  wss: WebSocketServer;
  state: { token: string; upgrades: number };
}> {
  const state = { token: 'right-token', upgrades: 0 };
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    autoPong: options.autoPong,
    verifyClient: (info, done) => {
      state.upgrades++;
      const ok = info.req.headers.authorization === `Bearer ${state.token}`;
      if (ok) done(true);
      else done(false, 401, 'Unauthorized');
    },
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => {
          resolve();
        });
      }),
  );
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/tapi`, wss, state };
}

function client(url: string, extra: Partial<Parameters<typeof createTapiClient>[0]> = {}) {
  const c: TapiClient = createTapiClient({
    url,
    token: 'right-token',
    reconnectDelayMs: 10,
    maxReconnectDelayMs: 20,
    ...extra,
  });
  cleanups.push(() => c.close());
  return c;
}

function recordingLogger(): TapiLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (_context: Record<string, unknown>, message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: log('debug'), warn: log('warn'), error: log('error') };
}

describe('createTapiClient heartbeat', () => {
  it('keeps a connection whose server answers pings, and reports the round trip', async () => {
    const { url } = await server({ autoPong: true });
    const c = client(url, { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 500 });
    let disconnects = 0;
    c.on('disconnect', () => disconnects++);
    let beats = 0;
    const third = c.waitFor('heartbeat', () => ++beats === 3);
    await c.connect();
    expect((await third).roundTripMs).toBeGreaterThanOrEqual(0);
    expect(disconnects).toBe(0);
    expect(c.connected).toBe(true);
  });

  it('drops a half-open connection (no pong) and reconnects', async () => {
    const { url, state } = await server({ autoPong: false });
    const logger = recordingLogger();
    const c = client(url, { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 60, logger });
    await c.connect();
    const dropped = c.waitFor('disconnect');
    const reopened = c.waitFor('open');
    expect(await dropped).toEqual({ code: 1006, reason: 'no pong within 60 ms' });
    await reopened;
    expect(state.upgrades).toBeGreaterThanOrEqual(2);
    expect(logger.lines).toContain(
      'warn TAPI client: the server stopped answering pings; dropping the connection',
    );
  });

  it('fails a pending request when the heartbeat drops the connection', async () => {
    const { url } = await server({ autoPong: false });
    const c = client(url, {
      heartbeatIntervalMs: 20,
      heartbeatTimeoutMs: 60,
      requestTimeoutMs: 30_000,
      reconnect: false,
    });
    await c.connect();
    // The server never answers; without the heartbeat this would wait 30 s.
    await expect(c.lineInitialize()).rejects.toThrow(/closed \(code 1006: no pong within 60 ms\)/);
  });
});

describe('createTapiClient reconnect', () => {
  it('stops after the server refuses the token on a reconnect: one attempt, an error, `end`', async () => {
    const { url, wss, state } = await server({ autoPong: true });
    const logger = recordingLogger();
    const c = client(url, { logger });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    const ended = c.waitFor('end');
    state.token = 'rotated-token';
    for (const ws of wss.clients) ws.close(1012, 'restart');
    const { error } = await ended;
    expect(error?.status).toBe(401);
    expect(error?.message).toMatch(/HTTP 401 instead of upgrading \(wrong or missing token\)/);
    expect(errors).toEqual([error]);
    expect(logger.lines.filter((l) => l.startsWith('error '))).toHaveLength(1);
    // A deliberate sleep: it proves that NO further reconnect happens, and an absence cannot
    // be awaited; a retry loop gets 10× its longest backoff to show itself.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.upgrades).toBe(2);
    expect(c.connected).toBe(false);
    let ends = 0;
    c.on('end', () => ends++);
    await c.close();
    expect(ends).toBe(0); // `end` came once, with the 401
  });

  it('keeps retrying a server that is down (not an auth failure) until it is back', async () => {
    const { url, wss, state } = await server({ autoPong: true });
    const c = client(url);
    await c.connect();
    const reopened = c.waitFor('open');
    // Refuse with 503 three times, then accept again.
    let refusals = 0;
    wss.options.verifyClient = (_info: unknown, done: (ok: boolean, code?: number) => void) => {
      state.upgrades++;
      if (++refusals <= 3) done(false, 503);
      else done(true);
    };
    for (const ws of wss.clients) ws.close(1012, 'restart');
    await reopened;
    expect(refusals).toBe(4);
  });
});
