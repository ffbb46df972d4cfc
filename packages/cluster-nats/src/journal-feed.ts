import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { FinishedCall } from '@snomlink/core';
import type { ClusterLogger, DeliveredJournalEntry } from './cluster-types.js';
import { CONSUME_EXPIRES_MS } from './consumer-timing.js';
import type { ClusterNames } from './names.js';
import { lastToken } from './stored-input.js';

/** Options of {@link createJournalFeed}. */
export interface JournalFeedOptions {
  /** JetStream client of an already connected NatsConnection. */
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  /**
   * First JOURNAL sequence to deliver (inclusive): the local projection passes its highest
   * applied sequence + 1; 0 or 1 delivers the whole journal (a lost data dir rebuilds).
   */
  readonly fromSeq: number;
  /** Every entry from `fromSeq` on, in JOURNAL order (the projection inserts or ignores it). */
  readonly onEntry: (entry: DeliveredJournalEntry) => void;
  readonly logger?: ClusterLogger;
}

/** Follows the JOURNAL stream into the daemon's local journal. */
export interface JournalFeed {
  /** Starts following; resolves once the journal up to its current end has been delivered. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Messages of JOURNAL not yet delivered (0 when caught up). */
  lag(): number;
  /** Sequence of the last entry delivered (0 before the first). */
  lastSeq(): number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shape check of a JOURNAL message: a finished call (written by an owner). */
export function parseFinishedCall(data: Uint8Array): FinishedCall | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return null;
  }
  if (
    !isRecord(value) ||
    typeof value['id'] !== 'string' ||
    typeof value['phoneId'] !== 'string' ||
    value['state'] !== 'idle' ||
    typeof value['startedAt'] !== 'number' ||
    typeof value['endedAt'] !== 'number' ||
    typeof value['missed'] !== 'boolean'
  ) {
    return null;
  }
  return value as unknown as FinishedCall;
}

/**
 * Where the feed starts: `fromSeq`, unless it lies beyond the stream's end + 1, which only a
 * position stored against another (since recreated) JOURNAL stream can: then from 1, as for a
 * lost data dir (the projection inserts or ignores).
 */
export function startingSeq(fromSeq: number, streamEnd: number): number {
  return fromSeq > streamEnd + 1 ? 1 : fromSeq;
}

/**
 * Creates the journal feed: an ordered consumer on JOURNAL from `fromSeq`. Each entry carries its
 * stream sequence and key; the stream holds one message per key forever, so the projection
 * needs no de-duplication beyond INSERT OR IGNORE.
 */
export function createJournalFeed(options: JournalFeedOptions): JournalFeed {
  const { js, names } = options;
  if (!Number.isInteger(options.fromSeq) || options.fromSeq < 0) {
    throw new RangeError(
      `journal fromSeq must be a non-negative integer, got ${String(options.fromSeq)}`,
    );
  }
  let pending = 0;
  let last = 0;
  let messages: ConsumerMessages | null = null;
  let loop: Promise<void> = Promise.resolve();
  let stopped = false;

  return {
    async start() {
      const jsm = await js.jetstreamManager();
      const { state } = await jsm.streams.info(names.journalStream);
      const target = state.last_seq;
      const fromSeq = startingSeq(options.fromSeq, target);
      if (fromSeq !== options.fromSeq) {
        options.logger?.warn(
          { fromSeq: options.fromSeq, streamEnd: target },
          'cluster: the journal position is beyond JOURNAL (a new cluster?): rebuilding from 1',
        );
      }
      const consumer = await js.consumers.get(
        names.journalStream,
        fromSeq <= 1
          ? { deliver_policy: DeliverPolicy.All }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq },
      );
      const iter = await consumer.consume({ max_messages: 512, expires: CONSUME_EXPIRES_MS });
      messages = iter;
      let resolveReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        resolveReady = resolve;
      });
      if (target < Math.max(fromSeq, state.first_seq) || state.messages === 0) {
        resolveReady();
      }
      loop = (async () => {
        for await (const msg of iter) {
          if (stopped) break;
          pending = msg.info.pending;
          last = msg.seq;
          const call = parseFinishedCall(msg.data);
          if (call === null) {
            options.logger?.warn({ seq: msg.seq }, 'cluster: malformed journal entry skipped');
          } else {
            try {
              options.onEntry({ seq: msg.seq, key: lastToken(msg.subject), call });
            } catch (error) {
              options.logger?.error(
                { seq: msg.seq, err: (error as Error).message },
                'cluster: journal entry handler failed',
              );
            }
          }
          if (msg.seq >= target) resolveReady();
        }
        if (!stopped) throw new Error('the consumer ended');
      })().catch((error: unknown) => {
        options.logger?.error({ err: (error as Error).message }, 'cluster: journal feed stopped');
      });
      await ready;
    },
    async stop() {
      stopped = true;
      messages?.stop();
      await loop;
    },
    lag: () => pending,
    lastSeq: () => last,
  };
}
