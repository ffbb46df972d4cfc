import type { KV } from '@nats-io/kv';
import { hasErrorName } from '@snomlink/core';
import type { LineSnapshot } from './cluster-types.js';
import { guardedUpdate, isKvConflict } from './kv-guarded.js';
import { leaderGet, leaderKeys } from './kv-leader-read.js';

// Layout of the `lines` bucket: `line.<partition>.<phoneId>` → LineSnapshot, `ckpt.<partition>`
// → Checkpoint. The partition in the key lets an owner load only its partition's lines with one
// filtered key listing (nats-server 2.9: one filter subject).

/** KV key of a phone's snapshot. */
export function lineKey(partition: number, phoneId: string): string {
  return `line.${String(partition)}.${phoneId}`;
}

/** KV key filter of one partition's snapshots, or of every snapshot. */
export function lineKeyFilter(partition?: number): string {
  return partition === undefined ? 'line.>' : `line.${String(partition)}.*`;
}

/** KV key of a partition's checkpoint. */
export function checkpointKey(partition: number): string {
  return `ckpt.${String(partition)}`;
}

/** A partition's checkpoint: every EVENTS message up to `seq` is applied and its snapshot stored. */
export interface Checkpoint {
  readonly seq: number;
}

/** A stored value with the KV revision it had (0 = not stored yet), for the next CAS. */
export interface Revisioned<T> {
  readonly value: T;
  readonly revision: number;
}

const encoder = new TextEncoder();

/** JSON-encodes a value for KV or a stream. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a stored snapshot (the state itself was written by an owner). */
export function isLineSnapshot(value: unknown): value is LineSnapshot {
  return (
    isRecord(value) &&
    isRecord(value['state']) &&
    typeof value['state']['phoneId'] === 'string' &&
    isRecord(value['state']['calls']) &&
    typeof value['lastSeq'] === 'number' &&
    typeof value['lastNow'] === 'number'
  );
}

/** True when a KV `create`/`update` failed because the key's revision moved (another writer). */
export function isCasConflict(error: unknown): boolean {
  if (isKvConflict(error) || hasErrorName(error, ['KvConflictError'])) return true;
  if (!hasErrorName(error, ['JetStreamApiError'])) return false;
  const code = (error as { code?: unknown }).code;
  return code === 10071 || code === 10164;
}

/**
 * Writes `value` under `key` if the key is still at `revision` (0: the key must not exist).
 * Resolves the new revision; rejects with the KV error (check {@link isCasConflict}). Updates go
 * through `guardedUpdate`: on a clustered bucket of nats-server 2.9 two updates expecting the
 * same revision can both succeed (nats-server #4320), which would let a zombie and the new owner
 * both write a snapshot; the guard's Msg-Id makes the second one a conflict.
 */
export async function casPut(
  kv: KV,
  key: string,
  value: unknown,
  revision: number,
): Promise<number> {
  return revision === 0
    ? kv.create(key, encodeJson(value))
    : guardedUpdate(kv, key, JSON.stringify(value), revision);
}

/**
 * Reads the checkpoint of a partition (seq 0, revision 0 when none is stored), from the stream
 * leader: see kv-leader-read.ts.
 */
export async function loadCheckpoint(kv: KV, partition: number): Promise<Revisioned<Checkpoint>> {
  const entry = await leaderGet(kv, checkpointKey(partition));
  if (entry === null || entry.operation !== 'PUT') return { value: { seq: 0 }, revision: 0 };
  const value: unknown = entry.json();
  const seq = isRecord(value) && typeof value['seq'] === 'number' ? value['seq'] : 0;
  return { value: { seq }, revision: entry.revision };
}

/**
 * Loads every snapshot under `filter` with its revision, keyed by phone id. Keys are listed
 * first, then read in parallel batches, both from the stream leader (a lagging replica's older
 * or missing snapshot would be replayed from the wrong place: kv-leader-read.ts); a key deleted
 * in between is left out.
 */
export async function loadSnapshots(
  kv: KV,
  filter: string,
  batch = 64,
): Promise<Map<string, Revisioned<LineSnapshot>>> {
  const keys = await leaderKeys(kv, filter);
  const out = new Map<string, Revisioned<LineSnapshot>>();
  for (let i = 0; i < keys.length; i += batch) {
    const entries = await Promise.all(keys.slice(i, i + batch).map((k) => leaderGet(kv, k)));
    for (const entry of entries) {
      if (entry === null || entry.operation !== 'PUT') continue;
      const value: unknown = entry.json();
      if (!isLineSnapshot(value)) continue;
      out.set(value.state.phoneId, { value, revision: entry.revision });
    }
  }
  return out;
}
