import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventHub, createLineModel } from '@snomlink/core';
import type { SnomlinkEvent } from '@snomlink/core';
import { actionEvent } from '@snomlink/core/testing';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfigStore } from '../config/config-store.js';
import { wireCallerNames } from '../daemon/caller-names-wiring.js';
import type { CallerNames } from '../directory/caller-names.js';
import { createWebhookDispatcher } from './webhooks.js';
import type { WebhookDispatcher } from './webhooks.js';

// The name a directory finds arrives after the call was announced (the lookup never delays
// call-incoming); webhook receivers get it as a `call-info` delivery. Real CSV directory, real
// line model and hub, real HTTP receiver.

interface Delivery {
  readonly path: string;
  readonly body: { event: string; name: string; directoryName: string; number: string };
}

let dir: string;
let server: ReturnType<typeof createServer>;
let received: Delivery[];
let waiters: (() => void)[];
let callerNames: CallerNames | null = null;
let dispatcher: WebhookDispatcher | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-webhook-dn-'));
  received = [];
  waiters = [];
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) as Delivery['body'] });
      res.end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  dispatcher?.close();
  await callerNames?.close();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once `predicate` holds for the deliveries received so far (no fixed sleeps). */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out; received ${JSON.stringify(received.map((r) => r.body.event))}`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200).unref();
    });
  }
}

describe('call-info webhooks', () => {
  it('tell the receiver the directory name of a live call once the lookup returns', async () => {
    await writeFile(join(dir, 'crm.csv'), 'Name;Telefon\nCarl Tabelle;030 444-5556\n');
    const config = await openConfigStore({ file: join(dir, 'config.json') });
    const port = (server.address() as AddressInfo).port;
    await config.update((c) => ({
      ...c,
      dialing: {
        ...c.dialing,
        countryCode: '49',
        areaCode: '30',
        internationalPrefix: '00',
        nationalPrefix: '0',
      },
      directory: {
        ...c.directory,
        sources: [{ type: 'csv', id: 'crm', path: join(dir, 'crm.csv') }],
      },
      webhooks: (['call-incoming', 'call-info'] as const).map((event) => ({
        id: event,
        event,
        url: `http://127.0.0.1:${String(port)}/${event}?name={directoryName}`,
        method: 'POST' as const,
        enabled: true,
      })),
    }));
    const hub = createEventHub<SnomlinkEvent>();
    const model = createLineModel({ hub });
    dispatcher = createWebhookDispatcher({ webhooks: () => config.current.webhooks });
    const sending = dispatcher;
    hub.subscribe((event) => {
      sending.handle(event);
    });
    // The daemon's own wiring; no journal row here (the name arrives while the call is live).
    callerNames = wireCallerNames({
      config,
      hub,
      logger: pino({ level: 'silent' }),
      lineModel: model,
      journal: { setDirectoryName: () => undefined },
    });
    callerNames.start();

    // The phone reports the caller in E.164; the CSV stores the national form.
    model.apply(actionEvent('desk', 'incoming', { callId: 'c1', remote: 'sip:+49304445556@pbx' }));
    await until(() => received.some((r) => r.body.event === 'call-info'));
    await sending.idle();

    const incoming = received.filter((r) => r.body.event === 'call-incoming');
    const info = received.filter((r) => r.body.event === 'call-info');
    expect(incoming).toHaveLength(1);
    // Announced at once, before the name was known …
    expect(incoming[0]?.body.directoryName).toBe('');
    // … and the name follows as exactly one call-info delivery, in the body and the URL.
    expect(info).toHaveLength(1);
    expect(info[0]?.body).toMatchObject({
      event: 'call-info',
      directoryName: 'Carl Tabelle',
      name: 'Carl Tabelle',
      number: '+49304445556',
    });
    expect(info[0]?.path).toBe('/call-info?name=Carl%20Tabelle');
    expect((info[0]?.body as unknown as { data: { fields: string[] } }).data.fields).toEqual([
      'callerId',
    ]);
  });
});
