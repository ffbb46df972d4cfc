import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { matchFastPath } from './fast-path.js';
import { buildListenerApp } from './listener-app.js';
import { createPhoneServer } from './phone-server.js';
import type { ListenerOptions, ListenerPhone } from './listener-options.js';
import { sendRawRequest } from './testing/send-raw-request.js';
import type { RawResponse } from './testing/send-raw-request.js';

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const PHONES: Record<string, ListenerPhone> = {
  p1: { id: 'p1', secret: SECRET, host: HOST },
  far: { id: 'far', secret: SECRET, host: '127.0.0.2' },
  named: { id: 'named', secret: SECRET, host: 'localhost' },
};

const servers: Server[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => {
            resolve();
          });
          closers.splice(0).forEach((close) => {
            close();
          });
        }),
    ),
  );
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return (server.address() as AddressInfo).port;
}

interface Side {
  port: number;
  events: ActionEvent[];
  /** Targets the phone server handed to the Hono app (only for the fast side). */
  fellBack: string[];
}

/**
 * Two servers with their own handler: `fast` is what createListener serves (the phone server:
 * fast path, else the Hono app); `hono` is the Hono app alone on @hono/node-server, the reference.
 */
async function pair(extra: Partial<ListenerOptions> = {}): Promise<{ fast: Side; hono: Side }> {
  async function side(withFastPath: boolean): Promise<Side> {
    const events: ActionEvent[] = [];
    const fellBack: string[] = [];
    const { app, handler } = buildListenerApp({
      resolvePhone: (id) => PHONES[id],
      onEvent: (event) => events.push(event),
      now: () => 1_700_000_000_000,
      ...extra,
    });
    if (withFastPath) {
      const phone = createPhoneServer({
        handler,
        fetch: (req, env) => {
          fellBack.push(req.url);
          return app.fetch(req, env);
        },
      });
      closers.push(() => {
        phone.closeAll();
      });
      return { port: await listen(phone.server), events, fellBack };
    }
    const honoListener = getRequestListener(app.fetch, { hostname: 'localhost' });
    const server = createServer((req, res) => {
      void honoListener(req, res);
    });
    closers.push(() => {
      server.closeAllConnections();
    });
    return { port: await listen(server), events, fellBack };
  }
  return { fast: await side(true), hono: await side(false) };
}

/** A raw request; `host: ''` sends no Host header. */
function request(target: string, options: { method?: string; host?: string } = {}): string {
  const host = options.host ?? HOST;
  const hostLine = host === '' ? '' : `Host: ${host}\r\n`;
  return `${options.method ?? 'GET'} ${target} HTTP/1.1\r\n${hostLine}Connection: close\r\n\r\n`;
}

function header(response: RawResponse, name: string): string | undefined {
  const match = new RegExp(`\\r\\n${name}:\\s*([^\\r]*)`, 'i').exec(response.head);
  return match?.[1];
}

/** The body without chunked framing (node-server sends an empty 200 chunked). */
function bodyOf(response: RawResponse): string {
  if (header(response, 'transfer-encoding') !== 'chunked') return response.body;
  let body = '';
  let rest = response.body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
}

/** What must be the same on both paths: status, body, content type, Retry-After. */
function essence(response: RawResponse): unknown {
  return {
    status: response.status,
    body: bodyOf(response),
    contentType: header(response, 'content-type'),
    retryAfter: header(response, 'retry-after'),
  };
}

function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

const Q = `k=${SECRET}&cid=abc@pbx&n=1&user=201&local=sip:201@pbx&remote=sip:+4930123456@pbx`;

// [what, raw request, status, kept away from the Hono fallback?]
const CASES: [string, string, number, boolean][] = [
  ['valid, encoded dr', request(`/snom/p1/incoming?${Q}&dr=Anna%20M%C3%BCller`), 200, true],
  ['valid, plain values', request(`/snom/p1/connected?${Q}&dr=Anna`), 200, true],
  ['valid, only the secret', request(`/snom/p1/offhook?k=${SECRET}`), 200, true],
  ['dr with & # = and a quote', request(`/snom/p1/incoming?${Q}&dr=O'Brien&x=#1`), 200, true],
  ['wrong secret', request(`/snom/p1/incoming?k=nope&cid=1`), 403, true],
  ['missing secret', request('/snom/p1/incoming?cid=1'), 403, true],
  ['secret only in a later duplicate', request(`/snom/p1/incoming?k=x&k=${SECRET}`), 403, true],
  ['unknown phone', request(`/snom/nobody/incoming?k=${SECRET}`), 404, true],
  ['unknown event', request(`/snom/p1/ringing?k=${SECRET}`), 404, true],
  ['bad n', request(`/snom/p1/incoming?k=${SECRET}&n=many`), 400, true],
  ['too long', request(`/snom/p1/incoming?k=${SECRET}&dr=${'x'.repeat(600)}`), 414, true],
  ['source check refuses', request(`/snom/far/incoming?k=${SECRET}`), 403, true],
  [
    'percent-encoded path (Hono decodes it)',
    request(`/snom/p%31/incoming?k=${SECRET}`),
    200,
    false,
  ],
  ['percent-encoded event', request(`/snom/p1/incom%69ng?k=${SECRET}`), 200, false],
  // Raw quotes and braces are re-encoded by the phone server, so these stay on the fast path.
  ['quote and escapes in the query', request(`/snom/p1/incoming?${Q}&dr=O'Brien%20X`), 200, true],
  ['dot segment in the query', request(`/snom/p1/incoming?k=${SECRET}&dr=/../x`), 200, false],
  ['dot segment in the path', request(`/snom/p1/../p1/incoming?k=${SECRET}`), 200, false],
  ['braces in the query', request(`/snom/p1/incoming?k=${SECRET}&dr={x}`), 200, true],
  ['trailing slash', request(`/snom/p1/incoming/?k=${SECRET}`), 404, false],
  ['empty phone id', request(`/snom//incoming?k=${SECRET}`), 404, false],
  ['empty event', request(`/snom/p1/?k=${SECRET}`), 404, false],
  ['no event', request(`/snom/p1?k=${SECRET}`), 404, false],
  ['other path', request('/favicon.ico'), 404, false],
  ['HEAD', request(`/snom/p1/incoming?k=${SECRET}`, { method: 'HEAD' }), 200, false],
  ['POST', request(`/snom/p1/incoming?k=${SECRET}`, { method: 'POST' }), 200, false],
  ['PUT', request(`/snom/p1/incoming?k=${SECRET}`, { method: 'PUT' }), 404, false],
  [
    'host with port 80',
    request(`/snom/p1/incoming?k=${SECRET}`, { host: 'PBX.example:80' }),
    200,
    true,
  ],
];

describe('matchFastPath', () => {
  it('takes /snom/{phoneId}/{event} with a query the URL parser leaves alone', () => {
    expect(matchFastPath(`/snom/p1/incoming?k=x&dr=A%20B`)).toEqual({
      phoneId: 'p1',
      kind: 'incoming',
    });
    expect(matchFastPath('/snom/p1/onhook')).toEqual({ phoneId: 'p1', kind: 'onhook' });
  });

  it.each([
    '/snom/p1/incoming/',
    '/snom//incoming',
    '/snom/p1/',
    '/snom/p1',
    '/snom/p%31/incoming',
    "/snom/p1/incoming?dr=O'Brien",
    '/snom/p1/incoming?dr=/../x',
    '/snom/p1/incoming?dr={x}',
    '/other/p1/incoming',
  ])('leaves %j to the app', (target) => {
    expect(matchFastPath(target)).toBeUndefined();
  });
});

describe('fast path (createListener) and the Hono app answer alike', () => {
  it.each(CASES)('%s', async (_what, raw, status, fast) => {
    const { fast: a, hono: b } = await pair({ checkSourceAddress: true, maxUrlLength: 512 });
    const [ra, rb] = [
      await sendRawRequest(HOST, a.port, raw),
      await sendRawRequest(HOST, b.port, raw),
    ];
    expect(essence(ra)).toEqual(essence(rb));
    expect(ra.status).toBe(status);
    expect(a.fellBack.length === 0).toBe(fast);
    await settled();
    expect(a.events).toEqual(b.events);
    expect(a.events).toHaveLength(status === 200 && !raw.startsWith('PUT') ? 1 : 0);
    if (fast && status === 200) expect(header(ra, 'content-length')).toBe('0');
  });

  it('takes the host-name source check (DNS, asynchronous) the same way', async () => {
    const { fast: a, hono: b } = await pair({ checkSourceAddress: true });
    const raw = request(`/snom/named/incoming?k=${SECRET}`);
    const [ra, rb] = [
      await sendRawRequest(HOST, a.port, raw),
      await sendRawRequest(HOST, b.port, raw),
    ];
    expect(essence(ra)).toEqual(essence(rb));
    expect(a.fellBack).toEqual([]);
    await settled();
    expect(a.events).toEqual(b.events);
  });

  it('shares one rate limiter between the fast path and the fallback: 429 with Retry-After', async () => {
    const { fast } = await pair({ rateLimit: { perSecond: 0.001, burst: 2 } });
    const get = request(`/snom/p1/incoming?k=${SECRET}`);
    const head = request(`/snom/p1/incoming?k=${SECRET}`, { method: 'HEAD' });
    expect((await sendRawRequest(HOST, fast.port, get)).status).toBe(200);
    expect((await sendRawRequest(HOST, fast.port, head)).status).toBe(200);
    const limited = await sendRawRequest(HOST, fast.port, get);
    expect(limited.status).toBe(429);
    expect(header(limited, 'retry-after')).toBe('1');
    expect(JSON.parse(limited.body)).toMatchObject({ error: 'too-many-requests' });
    expect(fast.fellBack).toHaveLength(1);
    await settled();
    expect(fast.events).toHaveLength(2);
  });

  it('answers 500 JSON when the handler throws, like the app, and keeps serving', async () => {
    let broken = true;
    const { fast: a, hono: b } = await pair({
      resolvePhone: (id) => {
        if (broken) throw new Error('phone store down');
        return PHONES[id];
      },
    });
    const raw = request(`/snom/p1/incoming?k=${SECRET}`);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const [ra, rb] = [
        await sendRawRequest(HOST, a.port, raw),
        await sendRawRequest(HOST, b.port, raw),
      ];
      expect(ra.status).toBe(500);
      expect(essence(ra)).toEqual(essence(rb));
      expect(JSON.parse(ra.body)).toEqual({
        error: 'internal-error',
        detail: 'the listener failed; see its log',
      });
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(2);
    broken = false;
    expect((await sendRawRequest(HOST, a.port, raw)).status).toBe(200);
  });
});
