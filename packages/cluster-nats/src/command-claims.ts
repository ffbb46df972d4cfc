import type { KV } from '@nats-io/kv';
import type { ClusterCommandResult } from './cluster-types.js';
import { commandRecordSchema, parseJson, type CommandRecord } from './command-wire.js';
import { guardedUpdate, isKvConflict } from './kv-guarded.js';

// The commands bucket as a tiny claim store: `claim` creates the key (only one caller ever gets
// it), `finish` stores the result with CAS on the claim's revision, `read` returns what is stored.

/** Outcome of a claim: won (with the revision to finish on) or lost (someone holds the id). */
export type ClaimOutcome =
  { readonly won: true; readonly revision: number } | { readonly won: false };

/** True when a KV write failed because the key was not at the expected revision. */
export function isWrongRevision(e: unknown): boolean {
  return isKvConflict(e);
}

/** Creates the id's key; `won: false` when it exists. Other failures (NATS down) throw. */
export async function claim(kv: KV, id: string, record: CommandRecord): Promise<ClaimOutcome> {
  try {
    const revision = await kv.create(id, JSON.stringify(record));
    return { won: true, revision };
  } catch (e) {
    if (isWrongRevision(e)) return { won: false };
    throw e;
  }
}

/** Re-claims a key this instance holds at `revision` (its first create's ack was lost). */
export async function reclaim(
  kv: KV,
  id: string,
  record: CommandRecord,
  revision: number,
): Promise<ClaimOutcome> {
  try {
    return { won: true, revision: await guardedUpdate(kv, id, JSON.stringify(record), revision) };
  } catch (e) {
    if (isWrongRevision(e)) return { won: false };
    throw e;
  }
}

/** Stores the result on the claim (CAS on the claim's revision). */
export async function finish(
  kv: KV,
  id: string,
  running: CommandRecord,
  revision: number,
  result: ClusterCommandResult,
): Promise<void> {
  const done: CommandRecord = { ...running, state: 'done', result };
  await guardedUpdate(kv, id, JSON.stringify(done), revision);
}

/** What is stored for an id: absent, a record with its revision, or `corrupt` (not ours). */
export type StoredCommand =
  | { readonly kind: 'absent' }
  | { readonly kind: 'corrupt' }
  | { readonly kind: 'record'; readonly record: CommandRecord; readonly revision: number };

/** Reads an id's record. */
export async function read(kv: KV, id: string): Promise<StoredCommand> {
  const entry = await kv.get(id);
  if (entry === null || entry.operation !== 'PUT') return { kind: 'absent' };
  const record = parseJson(commandRecordSchema, entry.string());
  if (record === undefined) return { kind: 'corrupt' };
  return { kind: 'record', record, revision: entry.revision };
}
