import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSchema } from '../api/schemas.js';
import type { Webhook } from '../api/schemas.js';
import { finishedCall } from '../testing/fixtures.js';
import { backoffDelay, generateWebhookSecret, retryAfterMs } from './webhook-signing.js';
import { createWebhookDispatcher } from './webhooks.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers.length = 0;
});

/** A receiver on a free loopback port answering each request with `answer(n)` (n from 0). */
async function receiver(
  answer: (n: number, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      answer(received.length - 1, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, received };
}

function hook(url: string, secret: string, method: 'GET' | 'POST' = 'POST'): Webhook {
  return { id: 'crm', event: 'call-finished', url, method, enabled: true, secret };
}

const headersOf = (r: Received): Record<string, string> => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

describe('webhook deliveries', () => {
  it('are signed the Standard Webhooks way: the receiver library verifies them', async () => {
    const secret = generateWebhookSecret();
    const { url, received } = await receiver((_n, res) => res.end('ok'));
    const dispatcher = createWebhookDispatcher({
      webhooks: () => [hook(`${url}/calls?n={number}`, secret)],
    });
    dispatcher.handle({ type: 'call-finished', call: finishedCall() });
    await dispatcher.idle();
    expect(received).toHaveLength(1);
    const delivery = received[0]!;
    const payload = new StandardWebhook(secret).verify(delivery.body, headersOf(delivery));
    expect(payload).toMatchObject({ event: 'call-finished', phone: 'desk-201' });
    expect(String(delivery.headers['webhook-id'])).toMatch(/^msg_[0-9a-f]{32}$/);
    // Another secret, or a changed body, does not verify.
    expect(() =>
      new StandardWebhook(generateWebhookSecret()).verify(delivery.body, headersOf(delivery)),
    ).toThrow();
    expect(() =>
      new StandardWebhook(secret).verify(`${delivery.body} `, headersOf(delivery)),
    ).toThrow();
    dispatcher.close();
  });

  it('signs a GET with an empty body', async () => {
    const secret = generateWebhookSecret();
    const { url, received } = await receiver((_n, res) => res.end());
    const dispatcher = createWebhookDispatcher({ webhooks: () => [hook(url, secret, 'GET')] });
    dispatcher.handle({ type: 'call-finished', call: finishedCall() });
    await dispatcher.idle();
    expect(() => new StandardWebhook(secret).verify('', headersOf(received[0]!))).not.toThrow();
    dispatcher.close();
  });

  it('keeps the webhook-id across retries and signs each attempt afresh', async () => {
    const secret = generateWebhookSecret();
    const { url, received } = await receiver((n, res) => {
      res.statusCode = n === 0 ? 503 : 200;
      res.end();
    });
    const dispatcher = createWebhookDispatcher({
      webhooks: () => [hook(url, secret)],
      retryInitialMs: 5,
    });
    dispatcher.handle({ type: 'call-finished', call: finishedCall() });
    await dispatcher.idle();
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    for (const r of received) new StandardWebhook(secret).verify(r.body, headersOf(r));
    dispatcher.close();
  });

  it('does not retry a 4xx refusal, but retries 408 and 429', async () => {
    for (const [status, attempts] of [
      [400, 1],
      [401, 1],
      [404, 1],
      [410, 1],
      [408, 3],
      [429, 3],
      [500, 3],
    ] as const) {
      const failures: string[] = [];
      const { url, received } = await receiver((_n, res) => {
        res.statusCode = status;
        res.end();
      });
      const dispatcher = createWebhookDispatcher({
        webhooks: () => [hook(url, generateWebhookSecret())],
        retryInitialMs: 2,
        attempts: 3,
        onFailure: (_w, _u, error) => failures.push(error),
      });
      dispatcher.handle({ type: 'call-finished', call: finishedCall() });
      await dispatcher.idle();
      expect(received.length, `HTTP ${String(status)}`).toBe(attempts);
      expect(failures).toHaveLength(1);
      expect(dispatcher.stats.failed).toBe(1);
      dispatcher.close();
    }
  });

  it("waits as long as the receiver's Retry-After asks, and gives up when that is too long", async () => {
    const { url, received } = await receiver((n, res) => {
      res.statusCode = n === 0 ? 429 : 200;
      if (n === 0) res.setHeader('retry-after', '1');
      res.end();
    });
    const dispatcher = createWebhookDispatcher({
      webhooks: () => [hook(url, generateWebhookSecret())],
      retryInitialMs: 1,
    });
    dispatcher.handle({ type: 'call-finished', call: finishedCall() });
    await dispatcher.idle();
    expect(received).toHaveLength(2);
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(950);
    dispatcher.close();

    const failures: string[] = [];
    const slow = await receiver((_n, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '3600');
      res.end();
    });
    const patient = createWebhookDispatcher({
      webhooks: () => [hook(slow.url, generateWebhookSecret())],
      retryMaxMs: 60_000,
      onFailure: (_w, _u, error) => failures.push(error),
    });
    patient.handle({ type: 'call-finished', call: finishedCall() });
    await patient.idle();
    expect(slow.received).toHaveLength(1);
    expect(failures[0]).toMatch(/Retry-After is over 60000 ms/);
    patient.close();
  });

  it('spreads retries with jitter within half to all of the exponential delay', () => {
    expect(backoffDelay(0, 1000, 300_000, () => 0)).toBe(500);
    expect(backoffDelay(3, 1000, 300_000, () => 0.999_999)).toBe(8000);
    expect(backoffDelay(20, 1000, 300_000, () => 0.5)).toBe(225_000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(2, 1000, 300_000)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(2000);
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('refuses placeholders in the host part of a URL template', () => {
    const base = { id: 'h', event: 'call-finished' };
    for (const url of [
      'http://{number}.example/x',
      'http://crm.example:{phone}/x',
      'https://user:{name}@crm.example/x',
    ]) {
      const result = v.safeParse(webhookSchema, { ...base, url });
      expect(result.success, url).toBe(false);
      expect(result.issues?.[0]?.message).toMatch(/not in the host/);
    }
    expect(
      v.safeParse(webhookSchema, { ...base, url: 'http://crm.example/c/{number}?p={phone}' })
        .success,
    ).toBe(true);
  });
});
