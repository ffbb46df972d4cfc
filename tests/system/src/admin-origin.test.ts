import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';

// Cross-site request forgery and cross-site WebSocket hijacking against the admin port: a page
// on another site, or on another port of this host, must not drive the daemon with the
// administrator's cookie. Tools without an Origin header (curl, the TAPI client) still work.

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemon();
}, 60_000);

afterAll(async () => {
  await daemon.stop();
});

/** Tries a WebSocket upgrade of `/tapi`; resolves the status (101 = upgraded) and the body. */
function upgrade(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${daemon.adminBase}/tapi`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'snomlink-tapi.v1',
        ...headers,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const cookie = (): string => `snomlink_token=${daemon.token}`;

/** PUT /api/dialing with the current rules (a harmless state change) and these headers. */
async function putDialing(headers: Record<string, string>): Promise<Response> {
  const rules = await daemon.json<Record<string, unknown>>('/api/dialing');
  return fetch(`${daemon.adminBase}/api/dialing`, {
    method: 'PUT',
    headers: { cookie: cookie(), 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...rules, areaCode: '89' }),
  });
}

describe('admin port: Origin', () => {
  it('refuses a cross-origin WebSocket upgrade carrying the admin cookie', async () => {
    const hijack = await upgrade({ cookie: cookie(), origin: 'http://evil.example' });
    // @hono/node-ws answers a refused upgrade with the status line only (no body).
    expect(hijack.status).toBe(403);
    // Another port of the same host is another origin (a dev server, another local tool).
    const port = daemon.adminPort === 65535 ? 65534 : daemon.adminPort + 1;
    const sibling = await upgrade({ cookie: cookie(), origin: `http://127.0.0.1:${String(port)}` });
    expect(sibling.status).toBe(403);
    const sandboxed = await upgrade({ cookie: cookie(), origin: 'null' });
    expect(sandboxed.status).toBe(403);
  });

  it('upgrades from the admin page itself and from a client without Origin', async () => {
    expect((await upgrade({ cookie: cookie(), origin: daemon.adminBase })).status).toBe(101);
    expect((await upgrade({ authorization: `Bearer ${daemon.token}` })).status).toBe(101);
  });

  it('refuses cross-origin and Origin: null writes and leaves the config as it was', async () => {
    const before = await daemon.json<{ areaCode: string }>('/api/dialing');
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1', 'file://']) {
      const res = await putDialing({ origin });
      expect(res.status, origin).toBe(403);
      const body = (await res.json()) as { error: string; detail: string };
      expect(body.error).toBe('forbidden');
      expect(body.detail.length).toBeGreaterThan(10);
    }
    const signOut = await fetch(`${daemon.adminBase}/api/sign-out`, {
      method: 'POST',
      headers: { cookie: cookie(), origin: 'null' },
    });
    expect(signOut.status).toBe(403);
    expect((await daemon.json<{ areaCode: string }>('/api/dialing')).areaCode).toBe(
      before.areaCode,
    );
  });

  it('accepts writes from the admin page itself and from clients without Origin', async () => {
    const same = await putDialing({ origin: daemon.adminBase });
    expect(same.status).toBe(200);
    expect((await daemon.json<{ areaCode: string }>('/api/dialing')).areaCode).toBe('89');
    const tool = await daemon.api('/api/dialing', {
      method: 'PUT',
      body: JSON.stringify({ ...(await daemon.json<object>('/api/dialing')), areaCode: '30' }),
    });
    expect(tool.status).toBe(200);
    // Reading stays possible cross-origin only without the answer being readable (no CORS).
    const read = await fetch(`${daemon.adminBase}/api/health`, {
      headers: { cookie: cookie(), origin: 'http://evil.example' },
    });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});
