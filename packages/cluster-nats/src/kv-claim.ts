import { PubHeaders } from '@nats-io/jetstream';
import { Bucket, type KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { KvConflictError, guardedUpdate, isKvConflict } from './kv-guarded.js';

// Create-if-absent on a KV key, guarded like kv-guarded.ts's CAS writes: on a clustered
// nats-server 2.9 the expected-revision check is a pre-check outside Raft, so the write also
// carries a Msg-Id that two racing writers share and the second gets a duplicate ack.

/**
 * Writes `data` under `key` only if the key has no value. `generation` names the state the
 * caller saw (the revision of the last entry it saw, 0 if none), so writers racing for the same
 * free key send the same Msg-Id. A key whose last entry is a delete marker is updated at the
 * marker's revision (guarded too). Rejects with KvConflictError when the key has a value.
 */
export async function guardedCreate(
  kv: KV,
  key: string,
  data: string,
  generation: number,
): Promise<number> {
  if (!(kv instanceof Bucket)) return kv.create(key, data);
  const h = headers();
  h.set(PubHeaders.ExpectedLastSubjectSequenceHdr, '0');
  let ack;
  try {
    ack = await kv.js.publish(kv.subjectForKey(kv.encodeKey(key), true), data, {
      headers: h,
      msgID: `create:${key}:${String(generation)}`,
    });
  } catch (e) {
    // The key's last message is a delete marker (not "no message"): write at its revision.
    if (!isKvConflict(e)) throw e;
    const entry = await kv.get(key);
    if (entry === null || entry.operation === 'PUT') throw e;
    return guardedUpdate(kv, key, data, entry.revision);
  }
  if (!ack.duplicate) return ack.seq;
  // A duplicate: another writer created it a moment ago, or this id was used for an earlier
  // generation of the key within the duplicate window (the key has expired or been deleted
  // since). Only the latter leaves the key empty: then write at the delete marker's revision,
  // or with a plain create when no message is left.
  const entry = await kv.get(key);
  if (entry === null) return kv.create(key, data);
  if (entry.operation !== 'PUT') return guardedUpdate(kv, key, data, entry.revision);
  throw new KvConflictError(`${key}: another writer created it first`);
}
