import { afterEach, describe, expect, it } from 'vitest';
import { createEventHub } from '@snomlink/core';
import type { ActionEvent, SnomlinkEvent } from '@snomlink/core';
import type { PhoneHealth } from '../api/schemas.js';
import type { JournalStatus } from '../journal/journal.js';
import { finishedCall } from '../testing/fixtures.js';
import { parsePrometheusText } from '../testing/prometheus.js';
import type { PromText } from '../testing/prometheus.js';
import { createDaemonMetrics } from './daemon-metrics.js';
import type { DaemonMetrics } from './daemon-metrics.js';

const hub = createEventHub<SnomlinkEvent>();
let metrics: DaemonMetrics | null = null;

interface State {
  phones: { id: string; status: PhoneHealth['status'] }[];
  live: string[];
  journal: JournalStatus;
  writeFailures: number;
  sse: number;
  webhooks: { delivered: number; failed: number };
  listener: boolean;
  rejections: { status: number; error: string; count: number }[];
}

function setup(eventLoop = false): { state: State; scrape: () => PromText } {
  const state: State = {
    phones: [
      { id: 'desk-201', status: 'reachable' },
      { id: 'lobby', status: 'unreachable' },
    ],
    live: [],
    journal: { ok: true, pending: 0, dropped: 0 },
    writeFailures: 0,
    sse: 0,
    webhooks: { delivered: 0, failed: 0 },
    listener: true,
    rejections: [],
  };
  const m = createDaemonMetrics({
    hub,
    phones: () => state.phones,
    liveCallPhones: () => state.live,
    journal: {
      get status() {
        return state.journal;
      },
      get writeFailures() {
        return state.writeFailures;
      },
    },
    sseClients: () => state.sse,
    webhooks: () => state.webhooks,
    listenerActive: () => state.listener,
    actionUrlRejections: () => state.rejections,
    version: '9.9.9',
    eventLoop,
  });
  metrics = m;
  return { state, scrape: () => parsePrometheusText(m.render()) };
}

afterEach(() => {
  metrics?.close();
  metrics = null;
});

function actionEvent(kind: ActionEvent['kind'], source: ActionEvent['source']): SnomlinkEvent {
  return {
    type: 'action-event',
    event: { phoneId: 'desk-201', kind, source, receivedAt: 1, params: {} },
  };
}

describe('createDaemonMetrics', () => {
  it('counts action events by source and kind, starting every known series at 0', () => {
    const { scrape } = setup();
    const before = scrape();
    expect(
      before.value('snomlink_action_events_total', { source: 'log-scan', kind: 'missed' }),
    ).toBe(0);
    hub.publish(actionEvent('incoming', 'action-url'));
    hub.publish(actionEvent('incoming', 'action-url'));
    hub.publish(actionEvent('missed', 'log-scan'));
    const after = scrape();
    expect(
      after.value('snomlink_action_events_total', { source: 'action-url', kind: 'incoming' }),
    ).toBe(2);
    expect(
      after.value('snomlink_action_events_total', { source: 'log-scan', kind: 'missed' }),
    ).toBe(1);
    expect(
      after.value('snomlink_action_events_total', { source: 'log-scan', kind: 'incoming' }),
    ).toBe(0);
  });

  it('reports refused Action URL requests by status and error', () => {
    const { state, scrape } = setup();
    expect(scrape().types.get('snomlink_action_url_rejections_total')).toBe('counter');
    state.rejections = [
      { status: 403, error: 'forbidden', count: 3 },
      { status: 404, error: 'unknown-phone', count: 1 },
    ];
    const m = scrape();
    expect(
      m.value('snomlink_action_url_rejections_total', { status: '403', error: 'forbidden' }),
    ).toBe(3);
    expect(
      m.value('snomlink_action_url_rejections_total', { status: '404', error: 'unknown-phone' }),
    ).toBe(1);
  });

  it('counts finished calls by direction and missed, and histograms the connected time', () => {
    const { scrape } = setup();
    const t = 1_700_000_000_000;
    hub.publish({
      type: 'call-finished',
      call: finishedCall({ startedAt: t, connectedAt: t + 1000, endedAt: t + 91_000 }),
    });
    hub.publish({
      type: 'call-finished',
      call: finishedCall({ id: 'm', connectedAt: null, missed: true, endedAt: t + 5000 }),
    });
    hub.publish({
      type: 'call-finished',
      call: finishedCall({ id: 'o', direction: 'outbound', connectedAt: t, endedAt: t + 3000 }),
    });
    const m = scrape();
    expect(
      m.value('snomlink_calls_finished_total', { direction: 'inbound', missed: 'false' }),
    ).toBe(1);
    expect(m.value('snomlink_calls_finished_total', { direction: 'inbound', missed: 'true' })).toBe(
      1,
    );
    expect(
      m.value('snomlink_calls_finished_total', { direction: 'outbound', missed: 'false' }),
    ).toBe(1);
    expect(m.value('snomlink_calls_finished_total', { direction: 'unknown', missed: 'true' })).toBe(
      0,
    );
    // The missed call was never connected: two observations, 90 s and 3 s.
    expect(m.value('snomlink_call_duration_seconds_count')).toBe(2);
    expect(m.value('snomlink_call_duration_seconds_sum')).toBe(93);
    expect(m.value('snomlink_call_duration_seconds_bucket', { le: '5' })).toBe(1);
    expect(m.value('snomlink_call_duration_seconds_bucket', { le: '60' })).toBe(1);
    expect(m.value('snomlink_call_duration_seconds_bucket', { le: '120' })).toBe(2);
    expect(m.value('snomlink_call_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
  });

  it('reads gauges at scrape time: live calls per configured phone, phone health, journal, SSE, webhooks', () => {
    const { state, scrape } = setup();
    state.live = ['desk-201', 'desk-201', 'removed-phone'];
    state.journal = { ok: false, error: 'disk full', pending: 7, dropped: 3 };
    state.writeFailures = 4;
    state.sse = 2;
    state.webhooks = { delivered: 5, failed: 1 };
    state.listener = false;
    metrics?.sseResync();
    const m = scrape();
    expect(m.value('snomlink_calls_live')).toBe(3);
    expect(m.value('snomlink_calls_live', { phone: 'desk-201' })).toBe(2);
    expect(m.value('snomlink_calls_live', { phone: 'lobby' })).toBe(0);
    // A phone that is not configured gets no series of its own (bounded labels).
    expect(m.samples.some((s) => s.labels['phone'] === 'removed-phone')).toBe(false);
    expect(m.value('snomlink_phone_up', { phone: 'desk-201' })).toBe(1);
    expect(m.value('snomlink_phone_up', { phone: 'lobby' })).toBe(0);
    expect(m.value('snomlink_phone_status', { phone: 'lobby', status: 'unreachable' })).toBe(1);
    expect(m.value('snomlink_phone_status', { phone: 'lobby', status: 'reachable' })).toBe(0);
    expect(m.value('snomlink_journal_ok')).toBe(0);
    expect(m.value('snomlink_journal_pending')).toBe(7);
    expect(m.value('snomlink_journal_dropped_total')).toBe(3);
    expect(m.value('snomlink_journal_write_failures_total')).toBe(4);
    expect(m.value('snomlink_sse_clients')).toBe(2);
    expect(m.value('snomlink_sse_resyncs_total')).toBe(1);
    expect(m.value('snomlink_webhook_deliveries_total', { result: 'ok' })).toBe(5);
    expect(m.value('snomlink_webhook_deliveries_total', { result: 'failed' })).toBe(1);
    expect(m.value('snomlink_listener_up')).toBe(0);
    expect(m.value('snomlink_build_info', { version: '9.9.9' })).toBe(1);
    expect(m.types.get('snomlink_journal_dropped_total')).toBe('counter');
    expect(m.types.get('snomlink_journal_pending')).toBe('gauge');
    // The error text (may hold paths) is not exported.
    expect(m.samples.some((s) => Object.values(s.labels).includes('disk full'))).toBe(false);
  });

  it('shows TAPI clients only once registered, and process and event loop metrics', () => {
    const { scrape } = setup(true);
    expect(scrape().has('snomlink_tapi_clients')).toBe(false);
    metrics?.setTapiClients(() => 3);
    const m = scrape();
    expect(m.value('snomlink_tapi_clients')).toBe(3);
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(m.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    const start = m.value('process_start_time_seconds');
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - 24 * 3600);
    expect(m.value('snomlink_event_loop_delay_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(m.types.get('snomlink_event_loop_delay_seconds')).toBe('summary');
    for (const quantile of ['0.5', '0.9', '0.99'])
      expect(m.value('snomlink_event_loop_delay_seconds', { quantile })).toBeGreaterThanOrEqual(0);
    expect(m.value('snomlink_event_loop_delay_max_seconds')).toBeGreaterThanOrEqual(
      m.value('snomlink_event_loop_delay_seconds', { quantile: '0.99' }),
    );
    expect(m.value('snomlink_event_loop_delay_seconds_count')).toBeGreaterThanOrEqual(0);
    expect(m.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    expect(m.types.get('process_cpu_seconds_total')).toBe('counter');
  });

  it('stops counting after close()', () => {
    const { scrape } = setup();
    metrics?.close();
    hub.publish(actionEvent('incoming', 'action-url'));
    expect(
      scrape().value('snomlink_action_events_total', { source: 'action-url', kind: 'incoming' }),
    ).toBe(0);
  });
});
