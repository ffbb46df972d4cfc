import { DeliverPolicy } from '@nats-io/jetstream';
import { Bucket, type KV } from '@nats-io/kv';
import { startConsumerWatchdog } from './consumer-watchdog.js';

// Follows every key of a KV bucket (last values first, then changes) with an ordered *pull*
// consumer on the bucket's stream. The KV library's own `watch` (an ordered push consumer)
// stopped delivering for good when the nats-server its connection was on was killed (tested: no
// update seen in 30 s after the reconnect). The pull consumer reports missed heartbeats; after
// three the follow ends and the caller follows again from the last revision it applied.

/** One key's state as followed: its revision, operation and raw value. */
export interface FollowedEntry {
  readonly key: string;
  readonly revision: number;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  /** Messages still pending after this one when it was delivered (0: caught up). */
  readonly delta: number;
  text(): string;
}

/** Options of {@link followBucket}. */
export interface FollowBucketOptions {
  /** Called when the watchdog ends the follow (the consumer stalled), before it ends. */
  readonly onStall?: (reason: string) => void;
  /** Time between the watchdog's checks (default: consumer-watchdog.ts). */
  readonly watchdogMs?: number;
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
export async function followBucket(
  kv: KV,
  fromRevision: number,
  options: FollowBucketOptions = {},
): Promise<Following> {
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
  // Heartbeats every second: a consumer lost with its server is noticed (two missed) and
  // re-created within seconds, not after the default 30 s pull expiry.
  const messages = await consumer.consume({ expires: 10_000, idle_heartbeat: 1_000 });
  // The client's ordered consumer kept counting missed heartbeats for good after its server was
  // killed (seen on 2.9.10 under load); end the follow instead, so the caller starts a fresh one
  // from the last revision it applied.
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' && status.count >= 3) {
        messages.stop();
        return;
      }
    }
  })();
  let handled = 0;
  let lastRevision = Math.max(fromRevision - 1, 0);
  const stopWatchdog = startConsumerWatchdog({
    probe: async () => {
      const info = await consumer.info();
      return { pending: info.num_pending, deliveredSeq: info.delivered.stream_seq };
    },
    handled: () => handled,
    lastSeq: () => lastRevision,
    onStall: (reason) => {
      options.onStall?.(reason);
      messages.stop();
    },
    ...(options.watchdogMs === undefined ? {} : { checkMs: options.watchdogMs }),
  });
  void messages.closed().finally(stopWatchdog);
  return {
    stop: () => {
      stopWatchdog();
      void messages.close();
    },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const m of messages) {
          handled += 1;
          lastRevision = m.seq;
          yield {
            key: m.subject.slice(prefixLength),
            revision: m.seq,
            operation: operationOf(m.headers?.get('KV-Operation')),
            delta: m.info.pending,
            text: () => decoder.decode(m.data),
          };
        }
      } finally {
        stopWatchdog();
      }
    },
  };
}
