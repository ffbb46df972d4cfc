import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { ChangeRecord, DeliveredChange } from './cluster-types.js';
import { CONSUME_EXPIRES_MS } from './consumer-timing.js';
import { ClusterError, ClusterUnavailableError } from './errors.js';
import type { ClusterNames } from './names.js';
import { isHealthRecord } from './phone-health.js';
import { parseChangeRecord } from './read-view.js';

/**
 * Whether a record changes what a reader sees, given the highest eventSeq already seen for its
 * phone: the read view's rule (a republished record whose eventSeq is covered is no news; a
 * health record never moves the eventSeq and always is).
 */
export function isFreshRecord(record: ChangeRecord, covered: number | undefined): boolean {
  return isHealthRecord(record) || record.eventSeq > (covered ?? 0);
}

/**
 * Keeps the fresh records of a run of CHANGES, in order: a record is dropped when an earlier
 * record of the run already covered its phone's eventSeq (the read view drops the same ones).
 */
export function freshRecords(changes: readonly DeliveredChange[]): DeliveredChange[] {
  const covered = new Map<string, number>();
  const fresh: DeliveredChange[] = [];
  for (const change of changes) {
    const { record } = change;
    if (!isFreshRecord(record, covered.get(record.phoneId))) continue;
    if (!isHealthRecord(record)) covered.set(record.phoneId, record.eventSeq);
    fresh.push(change);
  }
  return fresh;
}

/** Options of {@link readChangesRange}. */
export interface ChangesRangeOptions {
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  /** Records after this sequence … */
  readonly afterSeq: number;
  /** … up to this one (inclusive) … */
  readonly toSeq: number;
  /** … at most this many (the caller's bound on a replay). */
  readonly limit: number;
}

/**
 * Reads a range of CHANGES (the stream keeps its messages) with a short-lived ordered consumer,
 * for an SSE reader whose position is older than a daemon's buffer. Malformed records are left
 * out; the result is filtered with {@link freshRecords}. Throws ClusterError when the stream no
 * longer holds the first of them (removed by its limits), ClusterUnavailableError when it cannot
 * be read.
 */
export async function readChangesRange(options: ChangesRangeOptions): Promise<DeliveredChange[]> {
  const { js, names, afterSeq, toSeq } = options;
  const limit = Math.min(Math.max(0, toSeq - afterSeq), options.limit);
  if (limit <= 0) return [];
  const read: DeliveredChange[] = [];
  try {
    const consumer = await js.consumers.get(names.changesStream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSeq + 1,
    });
    let next = afterSeq + 1;
    let gone = 0;
    while (next <= afterSeq + limit && gone === 0) {
      const batch = await consumer.fetch({
        max_messages: Math.min(512, afterSeq + limit - next + 1),
        expires: CONSUME_EXPIRES_MS,
      });
      const before = next;
      for await (const msg of batch) {
        // The first message after a gap: the stream's limits removed what the reader needs.
        if (next === afterSeq + 1 && msg.seq > next) {
          gone = msg.seq;
          break;
        }
        next = msg.seq + 1;
        const record = parseChangeRecord(msg.data);
        if (record !== null) read.push({ seq: msg.seq, record });
        if (msg.seq >= toSeq) break;
      }
      // Nothing came: the stream ends before toSeq.
      if (next === before || next > toSeq) break;
    }
    if (gone !== 0) {
      throw new ClusterError(
        `cluster: CHANGES after ${String(afterSeq)} no longer holds them (it starts at ${String(gone)})`,
      );
    }
  } catch (error) {
    if (error instanceof ClusterError) throw error;
    throw new ClusterUnavailableError(
      `cluster: reading CHANGES after ${String(afterSeq)} failed: ${(error as Error).message}`,
    );
  }
  return freshRecords(read);
}
