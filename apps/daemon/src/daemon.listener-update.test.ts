/**
 * `PUT /api/listener` against a real daemon in process (real listener sockets on 127.0.0.x,
 * ephemeral ports): move, refuse a taken port, change the public host.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionUrlsView, ListenerStatus, ListenerUpdateResult } from './api/schemas.js';
import { phoneConfig } from './config/config-schema.js';
import type { Daemon } from './daemon.js';
import { createLoopbackDaemon, openLoopbackConfig } from './testing/loopback-daemon.js';

let dir: string;
let daemon: Daemon;
let token: string;
const blockers: Server[] = [];

/** A server holding a port on 127.0.0.1 (port 0 = any free one). */
async function holdPort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return address.port;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const port = await holdPort();
  const server = blockers.pop()!;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether the Action URL listener answers HTTP on this address. */
async function answers(host: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}/snom/nobody/incoming?k=x`);
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function request(method: string, path: string, body?: unknown): Promise<Response> {
  return Promise.resolve(
    daemon.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

const put = (body: unknown): Promise<Response> => request('PUT', '/api/listener', body);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-listener-'));
  const config = await openLoopbackConfig(dir, (c) => ({
    ...c,
    phones: [phoneConfig({ id: 'desk-201', host: '127.0.0.2:1', secret: 'secret-secret-1' })],
  }));
  token = config.current.admin.token;
  daemon = createLoopbackDaemon(config, dir);
  await daemon.start();
});

afterEach(async () => {
  await daemon.stop();
  for (const server of blockers.splice(0)) await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('PUT /api/listener', () => {
  it('moves the listener to a new port: new one answers, old one is closed, config written', async () => {
    const before = daemon.listenerStatus();
    const port = await freePort();
    const res = await put({ port });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ListenerUpdateResult;
    expect(body).toMatchObject({
      state: 'active',
      host: '127.0.0.1',
      port,
      restarted: true,
      previousPublicBase: before.publicBase,
      publicBase: `http://127.0.0.1:${port}`,
      reprovisionNeeded: true,
      phonesToReprovision: ['desk-201'],
      error: null,
    });
    expect(body.detail).toMatch(/provision the phones again \(desk-201\)/);
    expect(await answers('127.0.0.1', port)).toBe(true);
    expect(await answers('127.0.0.1', before.port)).toBe(false);
    const onDisk = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
      listener: { port: number; host: string };
    };
    expect(onDisk.listener).toMatchObject({ host: '127.0.0.1', port });
    const status = (await (await request('GET', '/api/listener')).json()) as ListenerStatus;
    expect(status.port).toBe(port);
    const urls = (await (
      await request('GET', '/api/phones/desk-201/action-urls')
    ).json()) as ActionUrlsView;
    expect(urls.urls['action_incoming_url']).toContain(`http://127.0.0.1:${port}/snom/desk-201/`);
  });

  it('answers 409 naming a port in use, keeps the old listener and leaves the config alone', async () => {
    const before = daemon.listenerStatus();
    const fileBefore = await readFile(join(dir, 'config.json'), 'utf8');
    const taken = await holdPort();
    const res = await put({ port: taken, publicHost: '192.0.2.10' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; detail: string };
    expect(body.error).toBe('port-in-use');
    expect(body.detail).toContain(`port ${taken} is already in use`);
    expect(body.detail).toContain(`keeps running on 127.0.0.1:${before.port}`);
    expect(await answers('127.0.0.1', before.port)).toBe(true);
    expect(daemon.listenerStatus()).toEqual(before);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(fileBefore);
    expect(daemon.config.current.listener.publicHost).toBeNull();
  });

  it('moves to another local address on the same port', async () => {
    const before = daemon.listenerStatus();
    const res = await put({ host: '127.0.0.2', port: before.port });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      host: '127.0.0.2',
      port: before.port,
      restarted: true,
    });
    expect(await answers('127.0.0.2', before.port)).toBe(true);
    expect(await answers('127.0.0.1', before.port)).toBe(false);
    expect(daemon.config.current.listener.host).toBe('127.0.0.2');
  });

  it('changes the public host without a restart; the Action URLs follow it', async () => {
    const before = daemon.listenerStatus();
    const res = await put({ publicHost: '192.0.2.10:8088' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      port: before.port,
      restarted: false,
      publicBase: 'http://192.0.2.10:8088',
      reprovisionNeeded: true,
      phonesToReprovision: ['desk-201'],
    });
    expect(await answers('127.0.0.1', before.port)).toBe(true);
    expect(daemon.config.current.listener.publicHost).toBe('192.0.2.10:8088');
    const urls = (await (
      await request('GET', '/api/phones/desk-201/action-urls')
    ).json()) as ActionUrlsView;
    expect(urls.urls['action_incoming_url']).toMatch(
      /^http:\/\/192\.0\.2\.10:8088\/snom\/desk-201\//,
    );

    const again = (await (
      await put({ publicHost: '192.0.2.10:8088' })
    ).json()) as ListenerUpdateResult;
    expect(again).toMatchObject({ reprovisionNeeded: false, phonesToReprovision: [] });
    // The form sends the address it shows: the bound one (the config says port 0) is no move.
    const same = (await (
      await put({ host: '127.0.0.1', port: before.port })
    ).json()) as ListenerUpdateResult;
    expect(same).toMatchObject({ restarted: false, publicHost: '192.0.2.10:8088' });
    expect(daemon.config.current.listener.port).toBe(before.port);
    const cleared = (await (await put({ publicHost: null })).json()) as ListenerUpdateResult;
    expect(cleared).toMatchObject({
      publicBase: `http://127.0.0.1:${before.port}`,
      reprovisionNeeded: true,
    });
  });

  it('changes a stopped listener only in the config; it binds the new port on start', async () => {
    await request('POST', '/api/listener/stop');
    const port = await freePort();
    const body = (await (await put({ port })).json()) as ListenerUpdateResult;
    expect(body).toMatchObject({ state: 'inactive', port, restarted: false });
    expect(body.detail).toMatch(/stopped/);
    const started = (await (await request('POST', '/api/listener/start')).json()) as ListenerStatus;
    expect(started).toMatchObject({ state: 'active', port });
    expect(await answers('127.0.0.1', port)).toBe(true);
  });
});
