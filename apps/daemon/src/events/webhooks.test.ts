import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnomlinkEvent } from '@snomlink/core';
import type { Webhook } from '../api/schemas.js';
import { finishedCall } from '../testing/fixtures.js';
import { createWebhookDispatcher, expandWebhookUrl, webhookEventsFor } from './webhooks.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers.length = 0;
});

describe('webhooks', () => {
  it('fills placeholders percent-encoded and leaves unknown ones alone', () => {
    const url = expandWebhookUrl(
      'http://127.0.0.1/hook?n={number}&c={canonical}&who={name}&x={nope}',
      {
        event: 'call-incoming',
        phone: 'desk',
        callId: 'c1',
        direction: 'inbound',
        state: 'offering',
        number: '+4930123456',
        canonical: '+49 (30) 123456',
        name: 'Anna & Jörg',
        directoryName: '',
      },
    );
    expect(url).toBe(
      'http://127.0.0.1/hook?n=%2B4930123456&c=%2B49%20(30)%20123456&who=Anna%20%26%20J%C3%B6rg&x={nope}',
    );
  });

  it('maps a missed call to call-finished and call-missed', () => {
    const event: SnomlinkEvent = { type: 'call-finished', call: finishedCall({ missed: true }) };
    expect(webhookEventsFor(event).map((e) => e.kind)).toEqual(['call-finished', 'call-missed']);
  });

  it('retries with backoff until the receiver takes it, without blocking the caller', async () => {
    const received: string[] = [];
    let attempts = 0;
    const server = createServer((req, res) => {
      attempts++;
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (attempts < 3) {
          res.statusCode = 503;
          res.end();
          return;
        }
        received.push(`${req.url} ${body}`);
        res.end('ok');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const hooks: Webhook[] = [
      {
        id: 'h',
        event: 'call-finished',
        url: `http://127.0.0.1:${port}/done?phone={phone}`,
        method: 'POST',
        enabled: true,
      },
    ];
    const dispatcher = createWebhookDispatcher({ webhooks: () => hooks, retryInitialMs: 10 });
    dispatcher.handle({ type: 'call-finished', call: finishedCall() });
    expect(attempts).toBe(0); // handle() returned before any request went out
    await dispatcher.idle();
    expect(attempts).toBe(3);
    expect(received).toHaveLength(1);
    expect(received[0]).toContain('/done?phone=desk-201');
    expect(received[0]).toContain('"event":"call-finished"');
    expect(dispatcher.stats).toEqual({ delivered: 1, failed: 0, dropped: 0 });
    dispatcher.close();
  });

  it('gives up after the last attempt and reports it', async () => {
    const failures: string[] = [];
    const hooks: Webhook[] = [
      {
        id: 'h',
        event: 'line-status',
        url: 'http://127.0.0.1:9/nothing',
        method: 'GET',
        enabled: true,
      },
    ];
    const dispatcher = createWebhookDispatcher({
      webhooks: () => hooks,
      retryInitialMs: 5,
      attempts: 2,
      onFailure: (_w, url) => failures.push(url),
    });
    dispatcher.handle({
      type: 'line-status',
      phoneId: 'p',
      status: 'unreachable',
      detail: null,
      at: 0,
    });
    await dispatcher.idle();
    expect(failures).toEqual(['http://127.0.0.1:9/nothing']);
    expect(dispatcher.stats.failed).toBe(1);
    dispatcher.close();
  });
});
