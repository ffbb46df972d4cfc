import type { JetStreamClient } from '@nats-io/jetstream';
import type { FinishedCall } from '@snomlink/core';
import type { ClusterLogger, DeliveredJournalEntry } from './cluster-types.js';
import type { ClusterNames } from './names.js';
import { lastToken } from './stored-input.js';
import { decodeJsonMessage, followStream, type StreamFollow } from './stream-follow.js';

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

/** Shape check of a JOURNAL message: a finished call (written by an owner). */
export function parseFinishedCall(data: Uint8Array): FinishedCall | null {
  const value = decodeJsonMessage(data);
  if (
    value === null ||
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
  let follow: StreamFollow | null = null;

  /** Hands one JOURNAL message on, or skips it when malformed. */
  function deliver(seq: number, subject: string, data: Uint8Array): void {
    const call = parseFinishedCall(data);
    if (call === null) {
      options.logger?.warn({ seq }, 'cluster: malformed journal entry skipped');
      return;
    }
    options.onEntry({ seq, key: lastToken(subject), call });
  }

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
      const nothingToRead = target < Math.max(fromSeq, state.first_seq) || state.messages === 0;
      follow = await followStream({
        js,
        stream: names.journalStream,
        startSeq: fromSeq,
        caughtUpAt: nothingToRead ? 0 : target,
        onMessage: (m) => {
          deliver(m.seq, m.subject, m.data);
        },
        label: 'journal feed',
        ...(options.logger ? { logger: options.logger } : {}),
      });
      await follow.caughtUp;
    },
    async stop() {
      await follow?.stop();
    },
    lag: () => follow?.lag() ?? 0,
    lastSeq: () => follow?.lastSeq() ?? 0,
  };
}
