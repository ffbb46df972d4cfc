import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { ClusterLogger } from './cluster-types.js';
import { CONSUME_EXPIRES_MS } from './consumer-timing.js';

// The one follow loop of the daemon's stream readers (journal feed, read view): an ordered
// consumer from a sequence, each message handed on in stream order, with its position and lag
// kept for the caller. Parsing stays with the caller: each stream has its own record shape.

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes a message body as a JSON object; null when it is no JSON or no object (a malformed
 * message is skipped by its reader, never applied).
 */
export function decodeJsonMessage(data: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** One message as a follower sees it. */
export interface FollowedMessage {
  /** Stream sequence. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

/** Options of {@link followStream}. */
export interface FollowStreamOptions {
  readonly js: JetStreamClient;
  readonly stream: string;
  /** First sequence to deliver (inclusive); 0 or 1 delivers the whole stream. */
  readonly startSeq: number;
  /**
   * The follow is "caught up" once a message at or after this sequence was delivered; 0 means
   * caught up from the start (nothing to wait for).
   */
  readonly caughtUpAt: number;
  /** Every message from `startSeq` on, in stream order; a throw is logged, not fatal. */
  readonly onMessage: (message: FollowedMessage) => void;
  /** What the follow is, for its log lines ("journal feed", "read view"). */
  readonly label: string;
  readonly logger?: ClusterLogger;
}

/** A running follow of a stream. */
export interface StreamFollow {
  /** Resolves once caught up (see {@link FollowStreamOptions.caughtUpAt}). */
  readonly caughtUp: Promise<void>;
  /** Stops delivering; resolves once the loop has ended. */
  stop(): Promise<void>;
  /** Messages not yet delivered (0 when caught up). */
  lag(): number;
  /** Sequence of the last message delivered (0 before the first). */
  lastSeq(): number;
}

/** Starts following `stream` from `startSeq` with an ordered pull consumer. */
export async function followStream(options: FollowStreamOptions): Promise<StreamFollow> {
  const { js, stream, logger, label } = options;
  const consumer = await js.consumers.get(
    stream,
    options.startSeq <= 1
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq },
  );
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: 512,
    expires: CONSUME_EXPIRES_MS,
  });
  let pending = 0;
  let last = 0;
  /** Set by stop (an object: the loop reads it after awaits). */
  const run = { stopped: false };
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (options.caughtUpAt <= 0) markCaughtUp();

  const loop = (async () => {
    for await (const msg of messages) {
      if (run.stopped) break;
      pending = msg.info.pending;
      last = msg.seq;
      try {
        options.onMessage({ seq: msg.seq, subject: msg.subject, data: msg.data });
      } catch (error) {
        logger?.error(
          { seq: msg.seq, err: (error as Error).message },
          `cluster: ${label} handler failed`,
        );
      }
      if (msg.seq >= options.caughtUpAt) markCaughtUp();
    }
    if (!run.stopped) throw new Error('the consumer ended');
  })().catch((error: unknown) => {
    logger?.error({ err: (error as Error).message }, `cluster: ${label} stopped`);
  });

  return {
    caughtUp,
    async stop() {
      run.stopped = true;
      messages.stop();
      await loop;
    },
    lag: () => pending,
    lastSeq: () => last,
  };
}
