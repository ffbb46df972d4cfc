import { JetStreamApiCodes, PubHeaders } from '@nats-io/jetstream';
import { Bucket, type KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { ClusterError } from './errors.js';

// Compare-and-set on a KV key that holds on a clustered (R3) bucket of nats-server 2.9.
//
// On 2.9 the `Nats-Expected-Last-Subject-Sequence` check of a clustered stream is only a check
// before the Raft proposal, not part of it: two updates expecting the same revision that arrive
// within a few milliseconds are both accepted (nats-server issue #4320, fixed in 2.10). Measured
// here on 2.9.10 with three servers: four writers doing get + update(revision) 80 times in all got
// 80 successes and the key kept 41 of them. `create` (expected revision 0) and publish
// de-duplication did not race (0 of 200 keys and ids with four concurrent writers).
//
// So every CAS write here also carries `Nats-Msg-Id: cas:<key>:<revision>`: two writers expecting
// the same revision send the same id, JetStream stores the first and acknowledges the second as a
// duplicate, which is reported as a conflict. Within the stream's duplicate window (2 min for a
// KV bucket) that closes the race; after it, writers racing within milliseconds of each other on
// a revision two minutes old are not a concern. A bucket that is not this library's `Bucket`
// falls back to the plain `update`.

/** Thrown for a CAS write that lost: the key is not at the expected revision. */
export class KvConflictError extends ClusterError {
  override readonly name: string = 'KvConflictError';
}

const KV_OPERATION_HEADER = 'KV-Operation';

async function guardedPublish(
  kv: KV,
  key: string,
  revision: number,
  data: string | null,
): Promise<number> {
  if (!(kv instanceof Bucket)) {
    if (data === null) {
      await kv.delete(key, { previousSeq: revision });
      return 0;
    }
    return kv.update(key, data, revision);
  }
  const h = headers();
  h.set(PubHeaders.ExpectedLastSubjectSequenceHdr, String(revision));
  if (data === null) h.set(KV_OPERATION_HEADER, 'DEL');
  const ack = await kv.js.publish(kv.subjectForKey(kv.encodeKey(key), true), data ?? '', {
    headers: h,
    msgID: `cas:${key}:${String(revision)}`,
  });
  if (ack.duplicate) {
    throw new KvConflictError(`${key}: another writer updated revision ${String(revision)} first`);
  }
  return ack.seq;
}

/** Updates `key` to `data` only if it is still at `revision`; returns the new revision. */
export function guardedUpdate(
  kv: KV,
  key: string,
  data: string,
  revision: number,
): Promise<number> {
  return guardedPublish(kv, key, revision, data);
}

/** Deletes `key` only if it is still at `revision`. */
export async function guardedDelete(kv: KV, key: string, revision: number): Promise<void> {
  await guardedPublish(kv, key, revision, null);
}

/** True when a KV write lost a compare-and-set (wrong revision, or a guarded duplicate). */
export function isKvConflict(e: unknown): boolean {
  if (e instanceof KvConflictError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return (
    code === JetStreamApiCodes.StreamWrongLastSequence ||
    code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
  );
}
