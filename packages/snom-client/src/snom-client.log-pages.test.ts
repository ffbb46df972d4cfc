import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixture, type FixtureServer } from './__fixtures__/fixture-server.js';
import { SnomHttpError, isSnomClientError } from './errors.js';
import { phonePagePath } from './request-urls.js';
import { createSnomClient, type SnomClient } from './snom-client.js';

const servers: FixtureServer[] = [];
const clients: SnomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<FixtureServer> {
  const server = await startFixture(handler);
  servers.push(server);
  return server;
}

function client(host: string): SnomClient {
  const c = createSnomClient({ host, retries: 0 });
  clients.push(c);
  return c;
}

/** A phone without /log.htm whose log is on /sip_trace.htm (cleared by ?clear=1). */
async function sipTracePhone(log: () => string): Promise<FixtureServer> {
  return serve((req, res) => {
    const url = req.url ?? '';
    if (url === '/sip_trace.htm' || url === '/sip_trace.htm?clear=1') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><body><pre>${log()}</pre></body></html>`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>404 Not Found</body></html>');
  });
}

describe('readLog / clearLog with a page path (the log scanner fallback)', () => {
  it('reads and clears the page the caller names, over a real socket', async () => {
    const phone = await sipTracePhone(() => 'Sent to udp:10.0.0.1:5060 at 1/1/2026 10:00:00:000');
    const c = client(phone.host);
    const error = await c.readLog().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnomHttpError);
    expect((error as SnomHttpError).status).toBe(404);
    await expect(c.readLog({ path: '/sip_trace.htm' })).resolves.toContain('Sent to udp:');
    await c.clearLog({ path: '/sip_trace.htm?clear=1' });
    expect(phone.requests.map((r) => r.url)).toEqual([
      '/log.htm',
      '/sip_trace.htm',
      '/sip_trace.htm?clear=1',
    ]);
  });

  it('a path without its leading slash is read from the root', async () => {
    const phone = await sipTracePhone(() => 'trace');
    await expect(client(phone.host).readLog({ path: 'sip_trace.htm' })).resolves.toContain('trace');
    expect(phone.requests.map((r) => r.url)).toEqual(['/sip_trace.htm']);
  });

  it.each([
    'http://evil.example/log.htm',
    'https:log.htm',
    '//evil.example/log.htm',
    '/%2F/evil.example/log.htm',
    '/../etc/passwd',
    '/a/%2e%2e/b',
    '/a/./b',
    '\\\\evil\\log.htm',
    '/log.htm#x',
    '/log .htm',
    '/log.htm\r\nX-Injected: 1',
    '',
  ])('refuses %j without sending a request', async (path) => {
    const phone = await sipTracePhone(() => 'trace');
    const c = client(phone.host);
    const read = await c.readLog({ path }).catch((e: unknown) => e);
    const clear = await c.clearLog({ path }).catch((e: unknown) => e);
    expect(isSnomClientError(read)).toBe(true);
    expect((read as Error).message).toMatch(/invalid log page path/);
    expect(isSnomClientError(clear)).toBe(true);
    expect(phone.requests).toEqual([]);
    expect(phonePagePath(path)).toBeUndefined();
  });

  it('accepts a query on the page (a clear action)', () => {
    expect(phonePagePath('/syslog.htm?clear_log=1')).toBe('/syslog.htm?clear_log=1');
    expect(phonePagePath('/log.htm?next=../x')).toBe('/log.htm?next=../x');
  });
});

describe('readLog maxBytes', () => {
  it('keeps only the newest maxBytes of a long log, starting at a line', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${String(i).padStart(5, '0')}`);
    const phone = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      // Many small chunks: the cut happens while reading, not only at the end.
      for (let i = 0; i < lines.length; i += 100) {
        res.write(`${lines.slice(i, i + 100).join('\n')}\n`);
      }
      res.end('</pre>');
    });
    const text = await client(phone.host).readLog({ maxBytes: 1000 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
    expect(text.length).toBeGreaterThan(900);
    expect(text.startsWith('line ')).toBe(true);
    expect(text.endsWith('line 04999\n</pre>')).toBe(true);
  });

  it('a log shorter than maxBytes comes back whole', async () => {
    const phone = await sipTracePhone(() => 'short log');
    const text = await client(phone.host).readLog({ path: '/sip_trace.htm', maxBytes: 4096 });
    expect(text).toBe('<html><body><pre>short log</pre></body></html>');
  });

  it('rejects a nonsense maxBytes', async () => {
    const phone = await sipTracePhone(() => 'x');
    const c = client(phone.host);
    await expect(c.readLog({ maxBytes: 0 })).rejects.toThrow(/invalid maxBytes/);
    await expect(c.readLog({ maxBytes: 1.5 })).rejects.toThrow(/invalid maxBytes/);
    expect(phone.requests).toEqual([]);
  });
});
