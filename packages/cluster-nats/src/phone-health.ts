import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { createLineState, type LineState } from '@snomlink/core';
import type { ChangeRecord, PhoneHealthRecord } from './cluster-types.js';
import { encodeJson } from './line-snapshots.js';
import type { ClusterNames } from './names.js';
import { isRecord } from './stream-follow.js';

// Phone health in cluster mode (CLUSTER.md: the owner of a partition is the only daemon that
// runs its health checks). The owner publishes each changed result to CHANGES, where every read
// view takes it, and stores it in the lines bucket under `health.<partition>.<phoneId>`: CHANGES
// alone would not do, a daemon that starts reads only a minute of it back.

/** KV key (lines bucket) of a phone's last published health. */
export function healthKey(partition: number, phoneId: string): string {
  return `health.${String(partition)}.${phoneId}`;
}

/** KV key filter of every phone's health. */
export const HEALTH_KEY_FILTER = 'health.>';

const STATUSES: ReadonlySet<unknown> = new Set([
  'unknown',
  'reachable',
  'unreachable',
  'auth-failed',
]);

function nullableString(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/** Shape check of a stored or published health (written by owners; a bad one is ignored). */
export function isPhoneHealthRecord(value: unknown): value is PhoneHealthRecord {
  return (
    isRecord(value) &&
    STATUSES.has(value['status']) &&
    nullableString(value['detail']) &&
    (value['checkedAt'] === null || typeof value['checkedAt'] === 'number') &&
    nullableString(value['model']) &&
    nullableString(value['firmware']) &&
    nullableString(value['mac'])
  );
}

/**
 * Whether a CHANGES record is a health record, not a reducer output: it never moves the line
 * (readers ignore its state and eventSeq) and is always news. The read view, the replay of a
 * range and the daemon's replica decide with this one rule.
 */
export function isHealthRecord(record: ChangeRecord): boolean {
  return (
    record.changes.length === 0 && (record.lineStatus !== undefined || record.health !== undefined)
  );
}

/**
 * Keeps `next` as a phone's health when it is not older than what `known` holds: records read
 * back from CHANGES at start may be older than the stored health. True when it was kept.
 */
export function keepNewerHealth(
  known: Map<string, PhoneHealthRecord>,
  phoneId: string,
  next: PhoneHealthRecord,
): boolean {
  const current = known.get(phoneId);
  if (current !== undefined && (current.checkedAt ?? 0) > (next.checkedAt ?? 0)) return false;
  known.set(phoneId, next);
  return true;
}

/** Loads every stored health, keyed by phone id (a key deleted meanwhile is left out). */
export async function loadHealth(kv: KV, batch = 64): Promise<Map<string, PhoneHealthRecord>> {
  const keys: string[] = [];
  for await (const key of await kv.keys(HEALTH_KEY_FILTER)) keys.push(key);
  const out = new Map<string, PhoneHealthRecord>();
  for (let i = 0; i < keys.length; i += batch) {
    const slice = keys.slice(i, i + batch);
    const entries = await Promise.all(slice.map((k) => kv.get(k)));
    entries.forEach((entry, j) => {
      if (entry === null || entry.operation !== 'PUT') return;
      const value: unknown = entry.json();
      // The phone id is the key's rest after `health.<partition>.`.
      const phoneId = slice[j]?.split('.').slice(2).join('.');
      if (phoneId !== undefined && phoneId !== '' && isPhoneHealthRecord(value))
        keepNewerHealth(out, phoneId, value);
    });
  }
  return out;
}

/** Options of {@link createHealthPublisher}. */
export interface HealthPublisherOptions {
  readonly js: JetStreamClient;
  /** The lines bucket (the health is stored next to the line snapshots). */
  readonly lines: KV;
  readonly names: ClusterNames;
  readonly partitionOf: (phoneId: string) => number;
  /** Whether this node owns the phone now (leases; false while fenced). */
  readonly owns: (phoneId: string) => boolean;
  /** The phone's line as this node's read view holds it (the record's `state`, ignored by readers). */
  readonly lineOf: (phoneId: string) => LineState | undefined;
  /** Wait for the stream's ack (default 5 000 ms). */
  readonly publishTimeoutMs?: number;
}

/** Publishes the owner's changed health results. */
export type HealthPublisher = (
  phoneId: string,
  health: PhoneHealthRecord,
  statusChanged: boolean,
) => Promise<boolean>;

/**
 * Creates the owner's health publisher: CHANGES first (every daemon shows it at once), then the
 * stored copy (a starting daemon reads CHANGES a minute back, so it misses neither). Ownership
 * is asked before each write, so a node that lost the partition (or fenced) writes nothing.
 */
export function createHealthPublisher(options: HealthPublisherOptions): HealthPublisher {
  const { js, lines, names, partitionOf, owns } = options;
  const timeout = options.publishTimeoutMs ?? 5_000;
  return async (phoneId, health, statusChanged) => {
    if (!owns(phoneId)) return false;
    const at = health.checkedAt ?? Date.now();
    const record: ChangeRecord = {
      phoneId,
      eventSeq: 0,
      changes: [],
      presenceChanges: [],
      health,
      ...(statusChanged && health.status !== 'unknown'
        ? {
            lineStatus: {
              type: 'line-status',
              phoneId,
              status: health.status,
              detail: health.detail,
              at,
            },
          }
        : {}),
      state: options.lineOf(phoneId) ?? createLineState(phoneId),
    };
    const partition = partitionOf(phoneId);
    await js.publish(names.changeSubject(partition, phoneId), encodeJson(record), {
      msgID: `${phoneId}:health:${String(at)}`,
      timeout,
    });
    if (!owns(phoneId)) return true;
    await lines.put(healthKey(partition, phoneId), encodeJson(health));
    return true;
  };
}
