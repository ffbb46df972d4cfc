import { Bucket, type KV, type KvEntry } from '@nats-io/kv';

// KV reads that see every acknowledged write, for an owner about to replay from them.
//
// `kv.get` on a bucket with `allow_direct` (the default on nats-server 2.9+) is a direct get,
// answered by whichever replica is fastest, and a replica may lag: on nats-server 2.9.10 (the
// one Debian ships) a replica that just restarted answered with revisions from before its death
// for a while (nats-server #4162, fixed in 2.9.17), and no version before 2.12 promises
// read-after-write at all (#6557). A new partition owner that read its checkpoint from one
// replica and a line's snapshot from a lagging one replayed from past the snapshot, and
// re-created a call it never saw start (docs/cluster.md, "Double journal entries"). `kv.keys`
// lists through a push consumer that may sit on a lagging replica, and ends at its first idle
// heartbeat: in tests/cluster a new owner listed no line at all in a partition that had one.
//
// `STREAM.MSG.GET` (not direct) and `STREAM.INFO` are answered by the stream's leader only,
// which has every acknowledged write: the workaround NATS maintainers give (#4710, #7281). They
// cost a JetStream API request each (per key, per listing), so only reads that decide what to
// replay use them.

/**
 * Reads `key` from the bucket's stream leader; null when the key has no value. A KV that is not
 * this library's `Bucket` (a test double) is read with its own `get`.
 */
export async function leaderGet(kv: KV, key: string): Promise<KvEntry | null> {
  if (!(kv instanceof Bucket)) return kv.get(key);
  const subject = kv.subjectForKey(kv.encodeKey(key));
  const stored = await kv.jsm.streams.getMessage(kv.bucketName(), { last_by_subj: subject });
  return stored === null ? null : kv.smToEntry(stored);
}

/**
 * The keys under `filter` (wildcards allowed) that have a message, listed by the stream leader
 * (`STREAM.INFO` with a subjects filter, paged by the client). Deleted keys are included while
 * their marker is kept: read each with {@link leaderGet}. A KV that is not a `Bucket` lists
 * with its own `keys`.
 */
export async function leaderKeys(kv: KV, filter: string): Promise<string[]> {
  if (!(kv instanceof Bucket)) {
    const keys: string[] = [];
    for await (const key of await kv.keys(filter)) keys.push(key);
    return keys;
  }
  const info = await kv.jsm.streams.info(kv.bucketName(), {
    subjects_filter: kv.subjectForKey(kv.encodeKey(filter)),
  });
  return Object.keys(info.state.subjects ?? {}).map((subject) =>
    kv.decodeKey(subject.substring(kv.prefixLen)),
  );
}
