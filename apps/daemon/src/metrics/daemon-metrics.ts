import { performance } from 'node:perf_hooks';
import { ACTION_EVENT_KINDS, EVENT_SOURCES } from '@snomlink/core';
import type { ActionEventKind, EventHub, EventSource, SnomlinkEvent } from '@snomlink/core';
import type { PhoneHealth } from '../api/schemas.js';
import type { Journal } from '../journal/journal.js';
import type { MetricsSection } from './integration-metrics.js';
import { createEventLoopDelay } from './event-loop-delay.js';
import { createExposition, createHistogram } from './prometheus-text.js';

/** Health states a phone can be in (the values of `snomlink_phone_status{status}`). */
const PHONE_STATUSES: readonly PhoneHealth['status'][] = [
  'unknown',
  'reachable',
  'unreachable',
  'auth-failed',
];

const DIRECTIONS = ['inbound', 'outbound', 'unknown'] as const;

/** Upper bounds of `snomlink_call_duration_seconds` (connected time of finished calls). */
export const CALL_DURATION_BUCKETS: readonly number[] = [5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Where the metrics read what they do not count themselves (read at scrape time only). */
export interface DaemonMetricsSources {
  /** The daemon's hub; subscribed once, unsubscribed by `close()`. */
  readonly hub: EventHub<SnomlinkEvent>;
  /** The configured phones (ids only, bounded by the config) with their health status. */
  readonly phones: () => readonly { readonly id: string; readonly status: PhoneHealth['status'] }[];
  /** Phone ids of the live calls. */
  readonly liveCallPhones: () => readonly string[];
  readonly journal: Pick<Journal, 'status' | 'writeFailures'>;
  /** Connected SSE readers. */
  readonly sseClients: () => number;
  /** Webhook deliveries since start: `delivered` (2xx) and `failed` (after every retry). */
  readonly webhooks: () => { readonly delivered: number; readonly failed: number };
  /** Whether the Action URL listener has a port bound. */
  readonly listenerActive: () => boolean;
  /** Refused Action URL requests since start, by status and error code (a bounded set). */
  readonly actionUrlRejections: () => readonly {
    readonly status: number;
    readonly error: string;
    readonly count: number;
  }[];
  readonly version: string;
  /** More families rendered after `snomlink_listener_up` (phone port, MQTT, e-mail). */
  readonly sections?: readonly MetricsSection[];
  /** Caller-name directory sources (id and health) and lookup counts; omitted = no directory metrics. */
  readonly directory?: () => {
    readonly sources: readonly { readonly id: string; readonly healthy: boolean }[];
    readonly lookups: number;
    readonly found: number;
  };
  /** Sample the event loop delay (perf_hooks). Default true. */
  readonly eventLoop?: boolean;
}

/** The daemon's counters and gauges, and their Prometheus text. */
export interface DaemonMetrics {
  /** Counts one SSE `resync` sent to a reader (resume impossible, or it fell behind). */
  sseResync(): void;
  /** Registers the TAPI WebSocket client count (the `/tapi` mount); omitted until set. */
  setTapiClients(count: () => number): void;
  /**
   * The exposition text (version 0.0.4). Starts a new event loop delay window: the quantiles
   * cover the time since the previous scrape (one scraper per daemon gives clean windows).
   */
  render(): string;
  /** Unsubscribes from the hub and stops the event loop monitor. */
  close(): void;
}

type Counts<K extends string> = Record<K, number>;

function zeros<K extends string>(keys: readonly K[]): Counts<K> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;
}

/**
 * Creates the daemon metrics: counts action events and finished calls from the hub (a few
 * number increments per event), reads everything else (phones, live calls, journal, SSE,
 * webhooks, process) when scraped. Labels are bounded: event source and kind, call direction,
 * phone ids from the config, health states. Numbers, call ids and names never become labels.
 */
export function createDaemonMetrics(sources: DaemonMetricsSources): DaemonMetrics {
  const actionEvents: Record<EventSource, Counts<ActionEventKind>> = {
    'action-url': zeros(ACTION_EVENT_KINDS),
    'log-scan': zeros(ACTION_EVENT_KINDS),
  };
  const finished: Record<(typeof DIRECTIONS)[number], { missed: number; answered: number }> = {
    inbound: { missed: 0, answered: 0 },
    outbound: { missed: 0, answered: 0 },
    unknown: { missed: 0, answered: 0 },
  };
  const duration = createHistogram(CALL_DURATION_BUCKETS);
  let sseResyncs = 0;
  let tapiClients: (() => number) | null = null;
  const loop = sources.eventLoop === false ? null : createEventLoopDelay();

  const unsubscribe = sources.hub.subscribe((event) => {
    if (event.type === 'action-event') {
      const bySource = actionEvents[event.event.source] as Counts<ActionEventKind> | undefined;
      if (bySource !== undefined && event.event.kind in bySource) bySource[event.event.kind]++;
    } else if (event.type === 'call-finished') {
      const call = event.call;
      const row = finished[call.direction] as (typeof finished)['inbound'] | undefined;
      if (row !== undefined) {
        if (call.missed) row.missed++;
        else row.answered++;
      }
      if (call.connectedAt !== null)
        duration.observe(Math.max(0, (call.endedAt - call.connectedAt) / 1000));
    }
  });

  return {
    sseResync() {
      sseResyncs++;
    },
    setTapiClients(count) {
      tapiClients = count;
    },
    render() {
      const out = createExposition();

      out.metric('snomlink_build_info', 'gauge', 'Always 1; the version label says which.', [
        { value: 1, labels: { version: sources.version } },
      ]);

      out.family(
        'snomlink_action_events_total',
        'counter',
        'Phone events received since start, by source (action-url, log-scan) and kind.',
      );
      for (const source of EVENT_SOURCES) {
        for (const kind of ACTION_EVENT_KINDS)
          out.sample('snomlink_action_events_total', actionEvents[source][kind], { source, kind });
      }

      out.metric(
        'snomlink_listener_up',
        'gauge',
        '1 while the Action URL listener has its port bound, else 0.',
        sources.listenerActive() ? 1 : 0,
      );
      for (const section of sources.sections ?? []) section(out);

      out.family(
        'snomlink_action_url_rejections_total',
        'counter',
        'Action URL requests the listener refused since start, by HTTP status and error code ' +
          '(403 forbidden: wrong secret or address; 404 unknown-phone; 400; 414; 429; …).',
      );
      for (const row of sources.actionUrlRejections())
        out.sample('snomlink_action_url_rejections_total', row.count, {
          status: String(row.status),
          error: row.error,
        });

      const phones = sources.phones();
      const live = new Map<string, number>(phones.map((p) => [p.id, 0]));
      const liveCalls = sources.liveCallPhones();
      for (const phoneId of liveCalls) {
        const n = live.get(phoneId);
        // Only configured phones get a series: the label set stays bounded by the config.
        if (n !== undefined) live.set(phoneId, n + 1);
      }
      out.metric(
        'snomlink_calls_live',
        'gauge',
        'Calls not yet finished (total and per phone).',
        liveCalls.length,
      );
      for (const [phone, n] of live) out.sample('snomlink_calls_live', n, { phone });

      out.family(
        'snomlink_calls_finished_total',
        'counter',
        'Finished calls since start, by direction and missed (inbound, never connected).',
      );
      for (const direction of DIRECTIONS) {
        out.sample('snomlink_calls_finished_total', finished[direction].answered, {
          direction,
          missed: 'false',
        });
        out.sample('snomlink_calls_finished_total', finished[direction].missed, {
          direction,
          missed: 'true',
        });
      }
      out.histogram(
        'snomlink_call_duration_seconds',
        'Connected time of finished calls that were connected.',
        duration,
      );

      out.family(
        'snomlink_phone_up',
        'gauge',
        '1 when the last health check reached the phone and logged in, else 0 (also before the first check).',
      );
      for (const phone of phones)
        out.sample('snomlink_phone_up', phone.status === 'reachable' ? 1 : 0, { phone: phone.id });
      out.family(
        'snomlink_phone_status',
        'gauge',
        'Health of each phone: 1 for its current status, 0 for the others.',
      );
      for (const phone of phones) {
        for (const status of PHONE_STATUSES)
          out.sample('snomlink_phone_status', phone.status === status ? 1 : 0, {
            phone: phone.id,
            status,
          });
      }

      const journal = sources.journal.status;
      out.metric(
        'snomlink_journal_ok',
        'gauge',
        '1 while journal writes succeed, 0 after a failed write until it recovers.',
        journal.ok ? 1 : 0,
      );
      out.metric(
        'snomlink_journal_pending',
        'gauge',
        'Finished calls held in memory waiting to be written.',
        journal.pending,
      );
      out.metric(
        'snomlink_journal_dropped_total',
        'counter',
        'Finished calls dropped unjournalled because the in-memory queue was full.',
        journal.dropped,
      );
      out.metric(
        'snomlink_journal_write_failures_total',
        'counter',
        'Failed journal write attempts (first try and retries).',
        sources.journal.writeFailures,
      );

      const directory = sources.directory?.();
      if (directory !== undefined) {
        out.family(
          'snomlink_directory_source_up',
          'gauge',
          '1 while a caller-name directory source answers, 0 while it fails (skipped with backoff).',
        );
        for (const s of directory.sources)
          out.sample('snomlink_directory_source_up', s.healthy ? 1 : 0, { source: s.id });
        out.metric(
          'snomlink_directory_lookups_total',
          'counter',
          'Caller-name lookups started for calls, and those that found a name.',
          [
            { value: directory.lookups, labels: { result: 'started' } },
            { value: directory.found, labels: { result: 'found' } },
          ],
        );
      }

      out.metric(
        'snomlink_sse_clients',
        'gauge',
        'Connected Server-Sent Events readers.',
        sources.sseClients(),
      );
      out.metric(
        'snomlink_sse_resyncs_total',
        'counter',
        'resync events sent to SSE readers (unknown Last-Event-ID, or a reader that fell behind).',
        sseResyncs,
      );
      if (tapiClients !== null) {
        out.metric(
          'snomlink_tapi_clients',
          'gauge',
          'Connected TAPI WebSocket clients.',
          tapiClients(),
        );
      }
      const hooks = sources.webhooks();
      out.metric(
        'snomlink_webhook_deliveries_total',
        'counter',
        'Webhook deliveries: ok (2xx answer) or failed (every retry failed).',
        [
          { value: hooks.delivered, labels: { result: 'ok' } },
          { value: hooks.failed, labels: { result: 'failed' } },
        ],
      );

      const memory = process.memoryUsage();
      out.metric(
        'process_resident_memory_bytes',
        'gauge',
        'Resident memory size in bytes.',
        memory.rss,
      );
      out.metric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, bytes.', memory.heapUsed);
      out.metric(
        'nodejs_heap_size_total_bytes',
        'gauge',
        'V8 heap reserved, bytes.',
        memory.heapTotal,
      );
      out.metric(
        'nodejs_external_memory_bytes',
        'gauge',
        'Memory of C++ objects bound to JavaScript (buffers, SQLite), bytes.',
        memory.external,
      );
      const cpu = process.cpuUsage();
      out.metric(
        'process_cpu_seconds_total',
        'counter',
        'User and system CPU time in seconds.',
        (cpu.user + cpu.system) / 1e6,
      );
      out.metric(
        'process_start_time_seconds',
        'gauge',
        'Start time of the process since the Unix epoch in seconds.',
        Math.round(performance.timeOrigin) / 1000,
      );
      if (loop !== null) {
        const window = loop.take();
        out.family(
          'snomlink_event_loop_delay_seconds',
          'summary',
          'Event loop delay (perf_hooks monitorEventLoopDelay, sampled every 10 ms): quantiles over ' +
            'the window since the previous scrape; _sum and _count since start.',
        );
        for (const [quantile, value] of [
          ['0.5', window.p50],
          ['0.9', window.p90],
          ['0.99', window.p99],
        ] as const)
          out.sample('snomlink_event_loop_delay_seconds', value, { quantile });
        out.sample('snomlink_event_loop_delay_seconds_sum', window.totalSeconds);
        out.sample('snomlink_event_loop_delay_seconds_count', window.totalCount);
        out.metric(
          'snomlink_event_loop_delay_max_seconds',
          'gauge',
          'Longest event loop delay in the window since the previous scrape (the worst stall).',
          window.max,
        );
        out.family(
          'snomlink_event_loop_delay_p99_seconds',
          'gauge',
          '99th percentile of the event loop delay since the previous scrape (same as the summary quantile 0.99).',
        );
        out.sample('snomlink_event_loop_delay_p99_seconds', window.p99);
      }
      return out.text();
    },
    close() {
      unsubscribe();
      loop?.close();
    },
  };
}
