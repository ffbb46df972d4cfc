import { DeliverPolicy } from '@nats-io/jetstream';
import { Bucket, type KV } from '@nats-io/kv';

// Follows every key of a KV bucket (last values first, then changes) with an ordered *pull*
// consumer on the bucket's stream. The KV library's own `watch` uses an ordered push consumer,
// which on nats-server 2.9 stopped delivering for good when the server its connection was on was
// killed (tested: no update seen in 30 s after the reconnect); the ordered pull consumer is
// re-created by the client from the last sequence it saw.

/** One key's state as followed: its revision, operation and raw value. */
export interface FollowedEntry {
  readonly key: string;
  readonly revision: number;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  /** Messages still pending after this one when it was delivered (0: caught up). */
  readonly delta: number;
  text(): string;
}

/** A running follow: iterate it; `stop` ends the iteration. */
export interface Following extends AsyncIterable<FollowedEntry> {
  stop(): void;
}

const decoder = new TextDecoder();

function operationOf(value: string | undefined): FollowedEntry['operation'] {
  return value === 'DEL' || value === 'PURGE' ? value : 'PUT';
}

/**
 * Follows the bucket from `fromRevision` (0: each key's last value, then changes). Falls back to
 * the library's `watch` for a KV that is not its `Bucket`.
 */
export async function followBucket(kv: KV, fromRevision: number): Promise<Following> {
  if (!(kv instanceof Bucket)) {
    const iter = await kv.watch(
      fromRevision > 0 ? { key: '>', resumeFromRevision: fromRevision } : { key: '>' },
    );
    return {
      stop: () => {
        iter.stop();
      },
      async *[Symbol.asyncIterator]() {
        for await (const e of iter) {
          yield {
            key: e.key,
            revision: e.revision,
            operation: e.operation,
            delta: e.delta ?? 0,
            text: () => e.string(),
          };
        }
      },
    };
  }
  const filter = kv.subjectForKey('>');
  const prefixLength = filter.length - 1;
  const consumer = await kv.js.consumers.get(
    kv.stream,
    fromRevision > 0
      ? {
          filter_subjects: filter,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: fromRevision,
        }
      : { filter_subjects: filter, deliver_policy: DeliverPolicy.LastPerSubject },
  );
  const messages = await consumer.consume();
  return {
    stop: () => {
      void messages.close();
    },
    async *[Symbol.asyncIterator]() {
      for await (const m of messages) {
        yield {
          key: m.subject.slice(prefixLength),
          revision: m.seq,
          operation: operationOf(m.headers?.get('KV-Operation')),
          delta: m.info.pending,
          text: () => decoder.decode(m.data),
        };
      }
    },
  };
}
