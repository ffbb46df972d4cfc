/**
 * `GET /api/metrics` on a real daemon in process (listener on 127.0.0.1, ephemeral ports, a
 * simulated snom360 that sends real Action URLs), read through `app.request`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SnomlinkEvent } from '@snomlink/core';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import { phoneConfig } from '../config/config-schema.js';
import { openConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon } from '../daemon.js';
import { mountTapi } from '../tapi.js';
import { parsePrometheusText } from '../testing/prometheus.js';
import { promtoolCheckMetrics } from '../testing/promtool.js';
import type { PromText } from '../testing/prometheus.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';
import { sourceWriterThread } from '../testing/source-writer-thread.js';

const PASSWORD = 'pw-metrics-never-shown-5519';
const EVIL_PASSWORD = 'evil-pw-"}\n-never-shown-2207';
const EVIL_NAME = 'Evil"} 1\n# TYPE snomlink_phone_up counter\nsnomlink_phone_up{phone="x"} 7';
const CALLER_NAME = 'Anna Metricsperson';
const CALLER_NUMBER = '+4930555777';

let dir: string;
let desk: SimulatedPhone;
let daemon: Daemon;
let token: string;
let hookServer: Server;
let hookHits = 0;
const texts: string[] = [];

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    daemon.app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } }),
  );
}

async function scrape(): Promise<PromText> {
  const res = await get('/api/metrics');
  expect(res.status).toBe(200);
  const text = await res.text();
  texts.push(text);
  return parsePrometheusText(text);
}

function nextEvent(match: (e: SnomlinkEvent) => boolean): Promise<SnomlinkEvent> {
  return new Promise((resolve) => {
    const off = daemon.hub.subscribe((event) => {
      if (match(event)) {
        off();
        resolve(event);
      }
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-metrics-'));
  desk = createSimulatedPhone({
    model: 'snom360',
    auth: 'digest',
    username: 'admin',
    password: PASSWORD,
    identity: { user: '201', host: 'pbx.example', displayName: 'Front Desk' },
  });
  await desk.listen({ host: '127.0.0.1', port: 0 });
  hookServer = createServer((_req, res) => {
    hookHits++;
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const hookPort = (hookServer.address() as { port: number }).port;
  const config = await openConfigStore({
    file: join(dir, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: { ...c.listener, host: '127.0.0.1', port: 0 },
      health: { ...c.health, intervalMs: 0 },
      webhooks: [
        {
          id: 'crm',
          event: 'call-finished',
          method: 'GET',
          enabled: true,
          url: `http://127.0.0.1:${String(hookPort)}/done?name={name}&number={number}`,
        },
      ],
      phones: [
        phoneConfig({
          id: 'desk',
          name: 'Front desk',
          host: `127.0.0.1:${String(desk.address!.port)}`,
          username: 'admin',
          password: PASSWORD,
          secret: 'desk-secret-never-shown-01',
        }),
        phoneConfig({
          id: 'evil',
          name: EVIL_NAME,
          host: '127.0.0.2:1',
          username: 'root"}',
          password: EVIL_PASSWORD,
          secret: 'evil-secret-never-shown-02',
        }),
      ],
    }),
  });
  token = config.current.admin.token;
  const logger = pino({ level: 'silent' });
  daemon = createDaemon({
    config,
    dataDir: dir,
    logger,
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
    ...mountTapi(logger),
  });
  await daemon.start();
}, 60_000);

afterAll(async () => {
  await daemon.stop();
  await desk.close();
  await new Promise((resolve) => hookServer.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('GET /api/metrics', () => {
  it('needs the admin token like every /api route', async () => {
    const none = await daemon.app.request('/api/metrics');
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain('snomlink_');
    const wrong = await daemon.app.request('/api/metrics', {
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
  });

  it('answers the text format 0.0.4: every line a comment or a sample of a declared family', async () => {
    const res = await get('/api/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    texts.push(text);
    const m = parsePrometheusText(text);
    for (const name of [
      'snomlink_action_events_total',
      'snomlink_calls_live',
      'snomlink_calls_finished_total',
      'snomlink_call_duration_seconds',
      'snomlink_phone_up',
      'snomlink_phone_status',
      'snomlink_journal_pending',
      'snomlink_journal_dropped_total',
      'snomlink_journal_write_failures_total',
      'snomlink_journal_ok',
      'snomlink_sse_clients',
      'snomlink_sse_resyncs_total',
      'snomlink_tapi_clients',
      'snomlink_webhook_deliveries_total',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'process_start_time_seconds',
      'snomlink_event_loop_delay_p99_seconds',
    ])
      expect(m.types.has(name), name).toBe(true);
    expect(m.value('snomlink_tapi_clients')).toBe(0);
    expect(m.value('snomlink_journal_ok')).toBe(1);
    expect(m.value('snomlink_listener_up')).toBe(1);
    // Per-phone series carry the configured id and nothing else of the phone.
    expect(m.value('snomlink_phone_status', { phone: 'evil', status: 'unknown' })).toBe(1);
    const phoneLabels = new Set(m.samples.flatMap((s) => s.labels['phone'] ?? []));
    expect([...phoneLabels].sort()).toEqual(['desk', 'evil']);
  });

  it('moves with a real call: action events, live calls, finished calls, duration, webhooks', async () => {
    const before = await scrape();
    const incoming = (m: PromText): number =>
      m.value('snomlink_action_events_total', { source: 'action-url', kind: 'incoming' });
    const finishedInbound = (m: PromText): number =>
      m.value('snomlink_calls_finished_total', { direction: 'inbound', missed: 'false' });

    const provision = await daemon.app.request('/api/phones/desk/provision', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(provision.status).toBe(200);
    const test = await daemon.app.request('/api/phones/desk/test', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(test.status).toBe(200);

    const offering = nextEvent((e) => e.type === 'call-state' && e.call.state === 'offering');
    const callId = await desk.ring(`sip:${CALLER_NUMBER}@pbx.example`, { display: CALLER_NAME });
    await offering;
    const ringing = await scrape();
    expect(incoming(ringing)).toBe(incoming(before) + 1);
    expect(ringing.value('snomlink_calls_live')).toBe(1);
    expect(ringing.value('snomlink_calls_live', { phone: 'desk' })).toBe(1);
    expect(ringing.value('snomlink_calls_live', { phone: 'evil' })).toBe(0);
    expect(ringing.value('snomlink_phone_up', { phone: 'desk' })).toBe(1);

    const connected = nextEvent((e) => e.type === 'call-state' && e.call.state === 'connected');
    await desk.answer(callId);
    await connected;
    const finished = nextEvent((e) => e.type === 'call-finished');
    await desk.hangUp(callId);
    await finished;

    const after = await scrape();
    expect(finishedInbound(after)).toBe(finishedInbound(before) + 1);
    expect(after.value('snomlink_call_duration_seconds_count')).toBe(
      before.value('snomlink_call_duration_seconds_count') + 1,
    );
    expect(after.value('snomlink_calls_live')).toBe(0);
    expect(
      after.value('snomlink_action_events_total', { source: 'action-url', kind: 'connected' }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.value('snomlink_journal_pending')).toBe(0);
    await vi.waitFor(
      async () => {
        expect((await scrape()).value('snomlink_webhook_deliveries_total', { result: 'ok' })).toBe(
          1,
        );
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(hookHits).toBe(1);
  });

  it('counts SSE readers and the resync sent to a reader with an id from an earlier run', async () => {
    const before = await scrape();
    const res = await get('/api/events', { 'last-event-id': '1' });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    try {
      while (!seen.includes('event: resync')) {
        const chunk = await reader.read();
        if (chunk.done) break;
        seen += chunk.value;
      }
      expect(seen).toContain('event: resync');
      const open = await scrape();
      expect(open.value('snomlink_sse_resyncs_total')).toBe(
        before.value('snomlink_sse_resyncs_total') + 1,
      );
      expect(open.value('snomlink_sse_clients')).toBe(before.value('snomlink_sse_clients') + 1);
    } finally {
      await reader.cancel();
    }
  });

  it('counts Action URL requests the listener refused, by status and error', async () => {
    // A series appears with its first refusal.
    const count = (m: PromText, labels: Record<string, string>): number =>
      m.samples.find(
        (sample) =>
          sample.name === 'snomlink_action_url_rejections_total' &&
          sample.labels['status'] === labels['status'] &&
          sample.labels['error'] === labels['error'],
      )?.value ?? 0;
    const forbidden = (m: PromText): number => count(m, { status: '403', error: 'forbidden' });
    const unknownPhone = (m: PromText): number =>
      count(m, { status: '404', error: 'unknown-phone' });
    const before = await scrape();
    const base = `http://127.0.0.1:${String(daemon.listenerStatus().port)}/snom`;
    expect((await fetch(`${base}/desk/incoming?k=not-the-secret`)).status).toBe(403);
    expect((await fetch(`${base}/desk/incoming?k=not-the-secret`)).status).toBe(403);
    expect((await fetch(`${base}/nobody/incoming?k=x`)).status).toBe(404);
    const after = await scrape();
    expect(forbidden(after) - forbidden(before)).toBe(2);
    expect(unknownPhone(after) - unknownPhone(before)).toBe(1);
    // The phone id of an unknown phone is not a label: only status and error are.
    const labels = new Set(
      after.samples
        .filter((sample) => sample.name === 'snomlink_action_url_rejections_total')
        .flatMap((sample) => Object.keys(sample.labels)),
    );
    expect([...labels].sort()).toEqual(['error', 'status']);
  });

  it('is in the OpenAPI document as a text/plain answer', async () => {
    const doc = (await (await get('/api/openapi.json')).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: object }> } }>;
    };
    const content = doc.paths['/api/metrics']?.get?.responses['200']?.content ?? {};
    expect(Object.keys(content)).toEqual([PROMETHEUS_CONTENT_TYPE]);
  });

  it('never shows a token, password, secret, display name or number, even with hostile names', () => {
    expect(texts.length).toBeGreaterThan(4);
    const all = texts.join('\n');
    for (const forbidden of [
      token,
      PASSWORD,
      EVIL_PASSWORD,
      'never-shown',
      'Evil',
      'root"}',
      'Front',
      CALLER_NAME,
      CALLER_NUMBER.slice(1),
      'pbx.example',
      '127.0.0.2',
    ])
      expect(all, forbidden).not.toContain(forbidden);
    // The hostile name did not inject a sample: phone_up holds only the two configured ids.
    const last = parsePrometheusText(texts.at(-1)!);
    expect(last.samples.filter((s) => s.name === 'snomlink_phone_up')).toHaveLength(2);
  });

  it("passes Prometheus's own checker (promtool check metrics) on every scrape above", () => {
    expect(texts.length).toBeGreaterThan(4);
    for (const text of texts) {
      const result = promtoolCheckMetrics(text);
      if (result === null) return; // promtool not installed (warned; CI fails instead)
      expect(result).toEqual({ status: 0, output: '' });
    }
  });

  it('the promtool check notices a broken scrape (so a clean result means something)', () => {
    const broken = texts[0]!.replace('snomlink_calls_finished_total', 'snomlink_calls_finished');
    const result = promtoolCheckMetrics(broken);
    if (result === null) return;
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/_total/);
  });
});
