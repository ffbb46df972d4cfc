import type { ListenerStats } from '@snomlink/listener';
import type { MqttBridgeStatus } from '@snomlink/mqtt';
import type { MissedCallMailerStatus } from '@snomlink/notify';
import type { PhonePortEventCount } from '../daemon/phone-port-events.js';
import type { Exposition } from './prometheus-text.js';

/** Renders a few metric families into the exposition at scrape time. */
export type MetricsSection = (out: Exposition) => void;

/** Every (type, reason) the phone port reports, so each series exists from the start. */
const CONNECTION_SERIES: readonly Pick<PhonePortEventCount, 'type' | 'reason'>[] = [
  { type: 'refused', reason: 'per-source-limit' },
  { type: 'refused', reason: 'connection-limit' },
  { type: 'evicted', reason: 'per-source-limit' },
  { type: 'evicted', reason: 'connection-limit' },
  { type: 'dropped', reason: 'head-timeout' },
  { type: 'dropped', reason: 'body-timeout' },
  { type: 'dropped', reason: 'idle-timeout' },
  { type: 'dropped', reason: 'error' },
];

/**
 * `snomlink_listener_connections` (open now) and `snomlink_listener_connections_closed_total`
 * (refused, evicted or dropped by the phone port, by reason): a rising counter means a host is
 * holding the phone port's connections (slowloris) or phones' connections are failing.
 */
export function phonePortMetrics(
  stats: () => ListenerStats,
  counts: () => readonly PhonePortEventCount[],
): MetricsSection {
  return (out) => {
    out.metric(
      'snomlink_listener_connections',
      'gauge',
      'Connections open on the phone port (Action URL listener).',
      stats().connections,
    );
    out.family(
      'snomlink_listener_connections_closed_total',
      'counter',
      'Connections the phone port closed itself since start: refused (new, over a cap), evicted ' +
        '(waiting longest, to make room) or dropped (request unfinished: timeouts, errors), by reason.',
    );
    const byKey = new Map(counts().map((row) => [`${row.type} ${row.reason}`, row.count]));
    for (const { type, reason } of CONNECTION_SERIES)
      out.sample(
        'snomlink_listener_connections_closed_total',
        byKey.get(`${type} ${reason}`) ?? 0,
        {
          type,
          reason,
        },
      );
  };
}

/** `snomlink_mqtt_*`: the MQTT bridge's connection and queue (only when `mqtt` is configured). */
export function mqttMetrics(status: () => MqttBridgeStatus | null): MetricsSection {
  return (out) => {
    const s = status();
    if (s === null) return;
    out.metric(
      'snomlink_mqtt_connected',
      'gauge',
      '1 while the MQTT broker is connected, else 0.',
      s.connected ? 1 : 0,
    );
    out.metric(
      'snomlink_mqtt_queued',
      'gauge',
      'Call events waiting for the MQTT broker (bounded by mqtt.maxQueue).',
      s.queued,
    );
    out.metric(
      'snomlink_mqtt_messages_total',
      'counter',
      'MQTT messages since start: published (acknowledged by the broker) or failed.',
      [
        { value: s.published, labels: { result: 'published' } },
        { value: s.failed, labels: { result: 'failed' } },
      ],
    );
    out.metric(
      'snomlink_mqtt_events_dropped_total',
      'counter',
      'Call events dropped because the queue was full while the broker was away.',
      s.dropped,
    );
  };
}

/** `snomlink_notify_email_*`: missed-call e-mail (only when `notify.email` is configured). */
export function emailNotifyMetrics(status: () => MissedCallMailerStatus | null): MetricsSection {
  return (out) => {
    const s = status();
    if (s === null) return;
    out.metric(
      'snomlink_notify_email_pending_calls',
      'gauge',
      'Missed calls waiting to be mailed (batched, queued or retrying).',
      s.pendingCalls,
    );
    out.metric(
      'snomlink_notify_emails_total',
      'counter',
      'Missed-call e-mails since start: sent, or failed (given up after every retry).',
      [
        { value: s.sent, labels: { result: 'sent' } },
        { value: s.failed, labels: { result: 'failed' } },
      ],
    );
    out.metric(
      'snomlink_notify_email_retries_total',
      'counter',
      'Retried e-mail sends.',
      s.retries,
    );
    out.metric(
      'snomlink_notify_email_dropped_calls_total',
      'counter',
      'Missed calls not mailed because too many were pending.',
      s.dropped,
    );
  };
}
