import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventHub, createLineModel, toDialable } from '@snomlink/core';
import type { SnomlinkEvent } from '@snomlink/core';
import { buildActionUrls, removeActionUrls } from '@snomlink/listener';
import { SnomProtocolError, SnomTimeoutError } from '@snomlink/snom-client';
import type { Hono } from 'hono';
import type { PhoneView, ProvisionResult, RecentEvents } from '../api/schemas.js';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { createEventBuffer } from '../events/event-buffer.js';
import type { EventBuffer } from '../events/event-buffer.js';
import { openJournal } from '../journal/journal.js';
import type { Journal } from '../journal/journal.js';
import { createPhoneManager } from '../phones/phone-manager.js';
import type { PhoneClient, PhoneManager } from '../phones/phone-manager.js';
import { createAdminApp } from './admin-app.js';
import type { AdminAppDeps } from './admin-app.js';
import { routeCoverage } from './openapi-document.js';
import type { OpenApiDocument } from './openapi-document.js';
import { Validator } from '@seriousme/openapi-schema-validator';

/** What snom-client throws when the phone does not answer (branded, so the guards see it). */
const timeoutError = (): SnomTimeoutError =>
  new SnomTimeoutError('no answer within 5000 ms', 5000, { phoneHost: '127.0.0.2' });

interface FakePhone extends PhoneClient {
  settings: Map<string, string>;
  dialed: string[];
  fail: 'timeout' | null;
  ignore: Set<string>;
}

function fakeClient(): FakePhone {
  const phone: FakePhone = {
    settings: new Map(),
    dialed: [],
    fail: null,
    ignore: new Set(),
    dial(number) {
      if (phone.fail) return Promise.reject(timeoutError());
      phone.dialed.push(number);
      return Promise.resolve();
    },
    hangUp: () => Promise.resolve(),
    answer: () => Promise.resolve(),
    hold: () => Promise.resolve(),
    unhold: () => Promise.resolve(),
    blindTransfer: () => Promise.resolve(),
    sendDtmf: () => Promise.resolve(),
    writeSettings(settings) {
      if (phone.fail) return Promise.reject(timeoutError());
      for (const [k, v] of Object.entries(settings))
        if (!phone.ignore.has(k)) phone.settings.set(k, v);
      return Promise.resolve();
    },
    readSettings: () => Promise.resolve(Object.fromEntries(phone.settings)),
    info: () => Promise.resolve({ model: 'snom360', mac: '000413000001', firmware: '8.7.5.17' }),
    readLog: () => Promise.resolve(''),
    clearLog: () => Promise.resolve(),
    webConfigUrl: () => 'http://127.0.0.2/',
  };
  return phone;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dir: string;
let config: ConfigStore;
let journal: Journal;
let phones: PhoneManager;
let app: Hono;
let fakes: Map<string, FakePhone>;
let token: string;
let events: EventBuffer;

async function setup(
  webUiDir: string | null = null,
  extra: Partial<Pick<AdminAppDeps, 'sseQueueLimit' | 'logger' | 'metrics'>> = {},
): Promise<void> {
  config = await openConfigStore({ file: join(dir, 'config.json') });
  token = config.current.admin.token;
  const hub = createEventHub<SnomlinkEvent>();
  fakes = new Map();
  phones = createPhoneManager({
    hub,
    healthIntervalMs: 0,
    createClient: (p) => {
      const fake = fakeClient();
      fakes.set(p.id, fake);
      return fake;
    },
  });
  config.onChange((next) => void phones.sync(next.phones));
  journal = openJournal({ file: ':memory:' });
  app = createAdminApp({
    config,
    phones,
    lineModel: createLineModel({ hub }),
    journal,
    events: (events = createEventBuffer({ firstId: 1 })),
    listener: {
      status: () => ({
        state: 'active',
        host: '127.0.0.1',
        port: 8080,
        publicBase: 'http://127.0.0.1:8080',
        publicHost: null,
        error: null,
      }),
      start: () => Promise.reject(new Error('not in this test')),
      stop: () => Promise.reject(new Error('not in this test')),
    },
    actionUrls: (p) =>
      buildActionUrls({
        publicBase: 'http://127.0.0.1:8080',
        phoneId: p.id,
        secret: p.secret,
        capabilities: 'full',
      }),
    removeActionUrls: () => removeActionUrls('full'),
    toDialable,
    version: '0.0.0-test',
    demo: false,
    startedAt: Date.now(),
    webUiDir,
    logger: silent,
    ...extra,
  });
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { ...auth(), 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function addPhone(id = 'desk-201'): Promise<PhoneView> {
  const res = await app.request(
    '/api/phones',
    json({ id, host: '127.0.0.2', password: 'hunter2-secret', username: 'admin' }),
  );
  expect(res.status).toBe(201);
  await phones.sync(config.current.phones);
  return (await res.json()) as PhoneView;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-app-'));
});
afterEach(async () => {
  journal.close();
  await phones.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('admin API', () => {
  it('answers 401 with a JSON error and no CORS headers without the token', async () => {
    await setup();
    const res = await app.request('/api/phones', { headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const wrong = await app.request('/api/phones', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('turns ?token= into an HttpOnly SameSite=Strict cookie that works afterwards', async () => {
    await setup();
    const res = await app.request(`/api/health?token=${token}`);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    const again = await app.request('/api/health', { headers: { cookie: pair } });
    expect(again.status).toBe(200);
  });

  it('counts the phones per health status in /api/health', async () => {
    await setup();
    await addPhone('desk-201');
    await addPhone('desk-202');
    await addPhone('desk-203');
    await phones.check('desk-201');
    // Made at first use; this one times out.
    Object.assign(phones.get('desk-202')!.client, { info: () => Promise.reject(timeoutError()) });
    await phones.check('desk-202');
    const res = await app.request('/api/health', { headers: auth() });
    expect(((await res.json()) as { phones: unknown }).phones).toEqual({
      total: 3,
      reachable: 1,
      unreachable: 1,
      authFailed: 0,
      unknown: 1,
    });
  });

  it('refuses a cross-site state change even with a valid token', async () => {
    await setup();
    const res = await app.request('/api/phones', {
      ...json({ id: 'x', host: '127.0.0.2' }),
      headers: {
        ...auth(),
        'content-type': 'application/json',
        origin: 'http://evil.example',
        host: 'localhost',
      },
    });
    expect(res.status).toBe(403);
  });

  it('adds a phone, never returns its password or secret, and refuses a duplicate id', async () => {
    await setup();
    const view = await addPhone();
    expect(view).toMatchObject({
      id: 'desk-201',
      hasPassword: true,
      username: 'admin',
      capabilities: 'full',
    });
    const list = await (await app.request('/api/phones', { headers: auth() })).text();
    expect(list).not.toContain('hunter2-secret');
    expect(list).not.toContain(config.current.phones[0]!.secret);
    const dup = await app.request('/api/phones', json({ id: 'desk-201', host: '127.0.0.3' }));
    expect(dup.status).toBe(409);
    expect(config.current.phones[0]!.password).toBe('hunter2-secret');
  });

  it('validates bodies with the field named in the error', async () => {
    await setup();
    const res = await app.request('/api/phones', json({ id: 'a b', host: '127.0.0.2' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^id: /);
  });

  it('keeps the password on PUT without one and clears it with null', async () => {
    await setup();
    await addPhone();
    const put = async (body: unknown): Promise<Response> =>
      await app.request('/api/phones/desk-201', { ...json(body), method: 'PUT' });
    expect(((await (await put({ name: 'Front desk' })).json()) as PhoneView).hasPassword).toBe(
      true,
    );
    expect(config.current.phones[0]!.name).toBe('Front desk');
    expect(((await (await put({ password: null })).json()) as PhoneView).hasPassword).toBe(false);
  });

  it('provisions the Action URLs with store and reports settings the phone did not keep', async () => {
    await setup();
    await addPhone();
    const fake = fakes.get('desk-201')!;
    fake.ignore.add('action_hold');
    const res = await app.request('/api/phones/desk-201/provision', {
      method: 'POST',
      headers: auth(),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as ProvisionResult;
    expect(result.ok).toBe(false);
    const incoming = result.written.find((w) => w.setting === 'action_incoming_url');
    expect(incoming?.accepted).toBe(true);
    expect(fake.settings.get('action_incoming_url')).toContain('/snom/desk-201/incoming?k=');
    expect(result.written.find((w) => w.setting === 'action_hold')?.accepted).toBe(false);
  });

  it('removes the Action URLs again with DELETE …/provision', async () => {
    await setup();
    await addPhone();
    const fake = fakes.get('desk-201')!;
    await app.request('/api/phones/desk-201/provision', { method: 'POST', headers: auth() });
    expect(fake.settings.get('action_incoming_url')).toContain('/snom/desk-201/incoming?k=');
    const res = await app.request('/api/phones/desk-201/provision', {
      method: 'DELETE',
      headers: auth(),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as ProvisionResult;
    expect(result.ok).toBe(true);
    expect(result.written.map((w) => w.setting)).toContain('action_incoming_url');
    expect(fake.settings.get('action_incoming_url')).toBe('');
    expect(fake.settings.get('action_hold')).toBe('');
  });

  it('maps a phone timeout to 504 with the reason', async () => {
    await setup();
    await addPhone();
    fakes.get('desk-201')!.fail = 'timeout';
    const res = await app.request('/api/phones/desk-201/dial', json({ number: '030 1234567' }));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/did not answer in time/);
  });

  it('answers 502 when the host answers, but not like a snom phone', async () => {
    await setup();
    await addPhone();
    const fake = fakes.get('desk-201')!;
    const notSnom = new SnomProtocolError(
      'phone 127.0.0.2 answered 200 to dial but it does not look like a snom page',
      200,
      '<title>Router login</title>',
      { phoneHost: '127.0.0.2' },
    );
    fake.dial = () => Promise.reject(notSnom);
    const res = await app.request('/api/phones/desk-201/dial', json({ number: '+4930123456' }));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; detail: string };
    expect(body.error).toBe('phone-not-snom');
    expect(body.detail).toMatch(
      /^phone desk-201 could not dial \S+: it answers, but not like a snom phone: phone 127\.0\.0\.2 answered 200/,
    );
  });

  it('dials through the dial rules and refuses a number it cannot dial', async () => {
    await setup();
    await addPhone();
    const ok = await app.request('/api/phones/desk-201/dial', json({ number: '+49 30 1234567' }));
    expect(ok.status).toBe(200);
    expect(fakes.get('desk-201')!.dialed).toEqual(['0301234567']);
    const bad = await app.request('/api/phones/desk-201/dial', json({ number: 'pizza' }));
    expect(bad.status).toBe(422);
  });

  it('answers 404 for unknown phones, calls and routes as JSON', async () => {
    await setup();
    expect((await app.request('/api/phones/nope', { headers: auth() })).status).toBe(404);
    expect(
      (await app.request('/api/calls/nope/drop', { method: 'POST', headers: auth() })).status,
    ).toBe(404);
    const res = await app.request('/api/nothing', { headers: auth() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not-found' });
  });

  it('serves an OpenAPI document with every route and the schemas', async () => {
    await setup();
    const doc = (await (await app.request('/api/openapi.json', { headers: auth() })).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/phones/{id}/provision',
        '/api/journal',
        '/api/events',
        '/api/calls/{callId}/drop',
        '/api/sign-out',
        '/api/events/recent',
        '/api/cluster',
      ]),
    );
    expect(doc.components.schemas['ClusterState']).toBeDefined();
    const local = await app.request('/api/cluster', { headers: auth() });
    expect(await local.json()).toEqual({ mode: 'local' });
    expect(Object.keys(doc.paths['/api/listener'] as object).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.components.schemas['ListenerUpdate']!.properties!).sort()).toEqual([
      'host',
      'port',
      'publicHost',
    ]);
    expect(Object.keys(doc.components.schemas['ListenerUpdateResult']!.properties!)).toContain(
      'reprovisionNeeded',
    );
    expect(Object.keys(doc.components.schemas['RecentEvents']!.properties!).sort()).toEqual([
      'events',
      'lastId',
    ]);
    expect(Object.keys(doc.components.schemas['PhoneView']!.properties!)).toContain('hasPassword');
    expect(Object.keys(doc.components.schemas['PhoneView']!.properties!)).not.toContain('password');
  });

  it('documents exactly the routes it serves, in a document a validator accepts', async () => {
    await setup(null, { metrics: { render: () => '', sseResync: () => undefined } });
    const res = await app.request('/api/openapi.json', { headers: auth() });
    const doc = (await res.json()) as OpenApiDocument;
    expect(routeCoverage(app, doc)).toEqual({ undocumented: [], unserved: [] });
    expect(Object.keys(doc.paths)).toContain('/api/metrics');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // Error answers and request bodies come from the routes' own validators and descriptions.
    const add = doc.paths['/api/phones']?.post as {
      requestBody: { content: Record<string, { schema: { $ref?: string } }> };
      responses: Record<string, unknown>;
    };
    expect(add.requestBody.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/PhoneInput',
    );
    expect(Object.keys(add.responses).sort()).toEqual(['201', '400', '401', '403', '409', '429']);
    const one = doc.paths['/api/phones/{id}']?.get as {
      parameters: { name: string; in: string }[];
    };
    expect(one.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]),
    );
  });

  it('notices a route without a description and a description without a route', async () => {
    await setup();
    app.get('/api/undocumented', (c) => c.text('x'));
    const doc = (await (
      await app.request('/api/openapi.json', { headers: auth() })
    ).json()) as OpenApiDocument;
    expect(routeCoverage(app, doc).undocumented).toEqual(['get /api/undocumented']);
    const ghost = { paths: { ...doc.paths, '/api/ghost': { get: {} } } };
    expect(routeCoverage(app, ghost).unserved).toEqual(['get /api/ghost']);
  });

  it('generates a webhook secret, shows it once, keeps it, and never returns it from GET', async () => {
    await setup();
    const put = async (webhooks: object[]): Promise<Response> =>
      app.request('/api/webhooks', { ...json({ webhooks }), method: 'PUT' });
    const hook = { id: 'crm', event: 'call-finished', url: 'http://127.0.0.1:9/c?n={number}' };
    const first = (await (await put([hook])).json()) as {
      webhooks: { hasSecret: boolean }[];
      generatedSecrets: Record<string, string>;
    };
    const secret = first.generatedSecrets['crm'];
    expect(secret).toMatch(/^whsec_/);
    expect(first.webhooks[0]).toMatchObject({ id: 'crm', hasSecret: true });
    expect(JSON.stringify(first.webhooks)).not.toContain(secret);
    expect(config.current.webhooks[0]?.secret).toBe(secret);
    const list = await (await app.request('/api/webhooks', { headers: auth() })).text();
    expect(list).not.toContain(secret);
    expect(JSON.parse(list)).toEqual({
      webhooks: [{ ...hook, method: 'POST', enabled: true, hasSecret: true }],
    });
    // Saving the list again as GET shows it keeps the secret and shows none.
    const again = (await (await put([{ ...hook, enabled: false }])).json()) as {
      generatedSecrets: Record<string, string>;
    };
    expect(again.generatedSecrets).toEqual({});
    expect(config.current.webhooks[0]).toMatchObject({ enabled: false, secret });
    const bad = await put([{ ...hook, url: 'http://{phone}.example/' }]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/^webhooks\.0\.url: /);
  });

  it('signs out: 204 and the session cookie cleared, only with the token', async () => {
    await setup();
    const anonymous = await app.request('/api/sign-out', { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('set-cookie')).toBeNull();

    const login = await app.request(`/api/health?token=${token}`);
    const pair = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(pair).toBe(`snomlink_token=${token}`);
    const res = await app.request('/api/sign-out', {
      method: 'POST',
      headers: { cookie: pair, origin: 'http://localhost', host: 'localhost' },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('set-cookie')).toBe(
      'snomlink_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    );
    // A cross-site page cannot sign the administrator out either.
    const forged = await app.request('/api/sign-out', {
      method: 'POST',
      headers: { cookie: pair, origin: 'http://evil.example', host: 'localhost' },
    });
    expect(forged.status).toBe(403);
  });

  it('lists the latest SSE events, filtered, with the id to resume the stream from', async () => {
    await setup();
    const empty = (await (
      await app.request('/api/events/recent', { headers: auth() })
    ).json()) as RecentEvents;
    expect(empty).toEqual({ events: [], lastId: 0 });
    const line = { type: 'line-status', phoneId: 'p1', status: 'reachable', detail: null, at: 5 };
    for (let i = 0; i < 150; i++) {
      events.push(i % 3 === 0 ? 'line' : 'call', i % 3 === 0 ? line : { type: 'call-info', i });
    }
    const all = (await (
      await app.request('/api/events/recent', { headers: auth() })
    ).json()) as RecentEvents;
    expect(all.events).toHaveLength(100);
    expect(all.events.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 51));
    expect(all.lastId).toBe(150);
    const lines = (await (
      await app.request('/api/events/recent?limit=300&event=line', { headers: auth() })
    ).json()) as RecentEvents;
    expect(lines.events).toHaveLength(50);
    expect(lines.events.every((e) => e.event === 'line')).toBe(true);
    expect(lines.events[0]).toEqual({ id: 1, event: 'line', data: line });
    // The newest buffered event was a call, filtered out: lastId still covers it.
    expect(lines.lastId).toBe(150);
    expect(events.since(lines.lastId)).toEqual({ ok: true, events: [] });
    for (const bad of ['limit=0', 'limit=2001', 'limit=x', 'event=calls', 'event=resync']) {
      const res = await app.request(`/api/events/recent?${bad}`, { headers: auth() });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/^(limit|event): /);
    }
    expect((await app.request('/api/events/recent')).status).toBe(401);
  });

  it('resumes SSE once per event even when an event arrives while it resumes', async () => {
    await setup();
    events.push('call', { n: 1 });
    events.push('call', { n: 2 });
    const resume = events.resume.bind(events);
    // An event pushed while the stream is starting reaches both the live queue and the replay.
    events.resume = (lastId) => {
      events.push('call', { n: 3 });
      return resume(lastId);
    };
    const res = await app.request('/api/events', {
      headers: { ...auth(), 'last-event-id': '1' },
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"n":3')) text += (await reader.read()).value ?? '';
    events.push('call', { n: 4 });
    while (!text.includes('"n":4')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([2, 3, 4]);
  });

  it('tells a reader that stopped reading which events it lost, before the next event', async () => {
    const warnings: string[] = [];
    await setup(null, {
      sseQueueLimit: 5,
      logger: { ...silent, warn: (_obj, msg) => void warnings.push(msg ?? '') },
    });
    const res = await app.request('/api/events', { headers: auth() });
    // Nothing reads the stream while ten events go by: the queue passes its limit of 5 at the
    // sixth and is emptied, so ids 1-6 are lost for this reader and 7-10 stay queued.
    for (let n = 1; n <= 10; n++) events.push('call', { n });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"n":10')) text += (await reader.read()).value ?? '';
    events.push('call', { n: 11 });
    while (!text.includes('"n":11')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    const messages = text
      .split('\n\n')
      .filter((block) => block.includes('id: '))
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        id: Number(/^id: (\d+)$/m.exec(block)?.[1]),
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>,
      }));
    expect(messages.map((m) => [m.event, m.id])).toEqual([
      ['resync', 6],
      ['call', 7],
      ['call', 8],
      ['call', 9],
      ['call', 10],
      ['call', 11],
    ]);
    expect(messages[0]!.data).toMatchObject({
      type: 'resync',
      lostFrom: 1,
      lostTo: 6,
      lostCount: 6,
    });
    expect(String(messages[0]!.data['reason'])).toMatch(/\/api\/calls/);
    expect(warnings.filter((w) => w.includes('SSE reader'))).toHaveLength(1);
  });

  it('validates PUT /api/listener and answers 501 where the listener cannot be changed', async () => {
    await setup();
    const put = async (body: unknown): Promise<Response> =>
      app.request('/api/listener', { ...json(body), method: 'PUT' });
    for (const [body, field] of [
      [{ port: 70000 }, 'port'],
      [{ port: '8080' }, 'port'],
      [{ host: 'http://x' }, 'host'],
      [{ publicHost: 'http://192.168.1.5' }, 'publicHost'],
      [{ checkSourceAddress: true }, 'checkSourceAddress'],
    ] as const) {
      const res = await put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(new RegExp(`^${field}: `));
    }
    const res = await put({ port: 9090 });
    expect(res.status).toBe(501);
    expect(config.current.listener.port).toBe(8080);
  });

  it('pages the journal through the API', async () => {
    await setup();
    const res = await app.request('/api/journal?limit=abc', { headers: auth() });
    expect(res.status).toBe(400);
    const ok = await app.request('/api/journal?limit=5&missed=true', { headers: auth() });
    expect(await ok.json()).toEqual({ entries: [], nextBefore: null });
  });
});

describe('web UI files', () => {
  it('serves files, falls back to index.html for routes, and 404s traversal', async () => {
    const ui = join(dir, 'ui');
    await mkdir(join(ui, 'assets'), { recursive: true });
    await writeFile(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
    await writeFile(join(ui, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'top secret');
    await setup(ui);
    expect(await (await app.request('/')).text()).toContain('<title>ui</title>');
    expect(await (await app.request('/phones/desk-201')).text()).toContain('<title>ui</title>');
    const js = await app.request('/assets/app.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    expect((await app.request('/..%2fsecret.txt')).status).toBe(404);
    expect((await app.request('/%2e%2e/secret.txt')).status).toBe(404);
  });

  it('explains how to build the UI when it is missing', async () => {
    await setup(join(dir, 'missing'));
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('--filter @snomlink/web-ui run build');
  });

  it('logs in with /?token= and removes the token from the address', async () => {
    await setup(join(dir, 'missing'));
    const res = await app.request(`/?token=${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect(res.headers.get('set-cookie')).toMatch(/snomlink_token=/);
  });
});
