/**
 * `POST /api/notify/test` on an in-process daemon: 409 without `notify.email`, 400 for a bad
 * address, 502 naming the SMTP error when the server cannot be reached, 401 without the token,
 * 403 cross-origin. (A delivered test message is checked against an SMTP sink in tests/system.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon } from '../daemon.js';
import { sourceWriterThread } from '../testing/source-writer-thread.js';

let dir: string;
const daemons: Daemon[] = [];

async function daemonWith(
  notify: Record<string, unknown> | undefined,
  sub: string,
): Promise<Daemon> {
  const config = await openConfigStore({
    file: join(dir, sub, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: { ...c.listener, host: '127.0.0.1', port: 0 },
      health: { ...c.health, intervalMs: 0 },
      ...(notify === undefined ? {} : { notify: notify }),
    }),
  });
  const daemon = createDaemon({
    config,
    dataDir: join(dir, sub),
    logger: pino({ level: 'silent' }),
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
  });
  await daemon.start();
  daemons.push(daemon);
  return daemon;
}

function post(
  daemon: Daemon,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    daemon.app.request('/api/notify/test', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${daemon.config.current.admin.token}`,
        'content-type': 'application/json',
        ...headers,
      },
      body,
    }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-notify-route-'));
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /api/notify/test', () => {
  it('answers 409 when notify.email is not configured', async () => {
    const daemon = await daemonWith(undefined, 'off');
    const res = await post(daemon, '');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'notify-not-configured' });
  });

  it('checks the token, the origin and the address, and reports an unreachable server as 502', async () => {
    const daemon = await daemonWith(
      {
        email: {
          smtp: { host: '127.0.0.1', port: 1, timeoutMs: 2000 },
          from: 'pbx@example.com',
          recipients: [{ email: 'office@example.com' }],
        },
      },
      'on',
    );
    const anonymous = await daemon.app.request('/api/notify/test', { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const crossSite = await post(daemon, '', { origin: 'http://evil.example', host: 'localhost' });
    expect(crossSite.status).toBe(403);
    const bad = await post(daemon, JSON.stringify({ to: 'not an address' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid-request' });
    const unreachable = await post(daemon, '{}');
    expect(unreachable.status).toBe(502);
    const body = (await unreachable.json()) as { error: string; detail: string };
    expect(body.error).toBe('smtp-failed');
    expect(body.detail).toMatch(/ECONNECTION|ECONNREFUSED/);
  });
});
