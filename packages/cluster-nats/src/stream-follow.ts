import {
  DeliverPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import type { ClusterLogger } from './cluster-types.js';
import { CONSUME_EXPIRES_MS } from './consumer-timing.js';
import { startConsumerWatchdog } from './consumer-watchdog.js';

// The one follow loop of the cluster's stream readers (journal feed, read view, partition
// processor): an ordered consumer from a sequence, each message handed on once in stream order,
// with its position and lag kept for the caller, and re-created by a watchdog when it stalls.
// Parsing stays with the caller: each stream has its own record shape.

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
  /** Only the messages of these subjects (default: every message of the stream). */
  readonly filterSubject?: string;
  /** First sequence to deliver (inclusive); 0 or 1 delivers the whole stream. */
  readonly startSeq: number;
  /**
   * The follow is "caught up" once a message at or after this sequence was handled; 0 means
   * caught up from the start (nothing to wait for).
   */
  readonly caughtUpAt: number;
  /**
   * Every message from `startSeq` on, in stream order, each once (also across re-created
   * consumers). The next message waits for a returned promise; a throw is logged, not fatal.
   */
  readonly onMessage: (message: FollowedMessage) => void | Promise<void>;
  /** What the follow is, for its log lines ("journal feed", "read view"). */
  readonly label: string;
  readonly logger?: ClusterLogger;
  /** Time between the watchdog's checks (default: consumer-watchdog.ts). */
  readonly watchdogMs?: number;
  /** Called on each re-creation of a stalled consumer (the cluster counts them). */
  readonly onRecovery?: () => void;
  /** Max messages per pull (default 512). */
  readonly batch?: number;
}

/** A running follow of a stream. */
export interface StreamFollow {
  /** Resolves once caught up (see {@link FollowStreamOptions.caughtUpAt}). */
  readonly caughtUp: Promise<void>;
  /** Stops delivering; resolves once the message being handled (if any) is done. */
  stop(): Promise<void>;
  /** Messages not yet delivered (0 when caught up). */
  lag(): number;
  /** Sequence of the last message handled (`startSeq - 1` before the first). */
  lastSeq(): number;
  /** Times the consumer was found stalled and re-created. */
  recoveries(): number;
}

/** The running consumer and the loop that drains it. */
interface Attempt {
  readonly consumer: Consumer;
  readonly messages: ConsumerMessages;
  readonly loop: Promise<void>;
}

/**
 * Starts following `stream` from `startSeq` with an ordered pull consumer. A watchdog re-creates
 * the consumer from the last handled message when it is gone or silent with messages waiting,
 * and when the client ends it; the follower sees no gap and no repeat.
 */
export async function followStream(options: FollowStreamOptions): Promise<StreamFollow> {
  const { js, stream, logger, label } = options;
  /** Last sequence handled: a re-created consumer starts after it, older ones are dropped. */
  let position = Math.max(options.startSeq - 1, 0);
  let handled = 0;
  let pending = 0;
  let recoveries = 0;
  /** Set by stop, read after awaits (an object, so the reads are not narrowed away). */
  const run = { stopped: false, busy: false, recovering: false, generation: 0 };
  let current: Attempt | null = null;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (options.caughtUpAt <= 0) markCaughtUp();

  async function handle(msg: JsMsg): Promise<void> {
    run.busy = true;
    try {
      await options.onMessage({ seq: msg.seq, subject: msg.subject, data: msg.data });
    } catch (error) {
      logger?.error(
        { seq: msg.seq, err: (error as Error).message },
        `cluster: ${label} handler failed`,
      );
    } finally {
      run.busy = false;
    }
    position = msg.seq;
    handled += 1;
    pending = msg.info.pending;
    if (msg.seq >= options.caughtUpAt) markCaughtUp();
  }

  async function drain(messages: ConsumerMessages, generation: number): Promise<void> {
    const superseded = (): boolean => run.stopped || generation !== run.generation;
    try {
      for await (const msg of messages) {
        if (superseded()) break;
        if (msg.seq <= position) continue;
        await handle(msg);
      }
      if (!superseded()) throw new Error('the consumer ended');
    } catch (error) {
      if (superseded()) return;
      logger?.error({ err: (error as Error).message }, `cluster: ${label} consumer failed`);
      void recover(`the consumer ended: ${(error as Error).message}`);
    }
  }

  /** Creates an ordered consumer from the message after `position` and drains it. */
  async function open(): Promise<void> {
    run.generation += 1;
    const generation = run.generation;
    const filter =
      options.filterSubject === undefined ? {} : { filter_subjects: options.filterSubject };
    const consumer = await js.consumers.get(
      stream,
      position === 0
        ? { ...filter, deliver_policy: DeliverPolicy.All }
        : { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position + 1 },
    );
    const messages = await consumer.consume({
      max_messages: options.batch ?? 512,
      expires: CONSUME_EXPIRES_MS,
    });
    current = { consumer, messages, loop: drain(messages, generation) };
  }

  /** Drops the stalled consumer and follows on with a new one (retried by the watchdog). */
  async function recover(reason: string): Promise<void> {
    if (run.stopped || run.recovering) return;
    run.recovering = true;
    recoveries += 1;
    options.onRecovery?.();
    logger?.warn(
      { stream, lastSeq: position, reason, recoveries },
      `cluster: ${label} consumer stalled; re-creating it after the last message handled`,
    );
    const stale = current;
    current = null;
    run.generation += 1;
    stale?.messages.stop();
    stale?.consumer.delete().catch(() => undefined);
    try {
      await open();
    } catch (error) {
      logger?.error(
        { err: (error as Error).message },
        `cluster: ${label} consumer not re-created; trying again`,
      );
    } finally {
      run.recovering = false;
    }
  }

  await open();
  const stopWatchdog = startConsumerWatchdog({
    probe: async () => {
      if (current === null) throw new Error('no consumer');
      const info = await current.consumer.info();
      // A filtered consumer created behind other subjects' messages reports the stream's last
      // sequence as delivered with nothing pending; that is not "delivered past what we handled"
      // (it re-created every idle partition's consumer every two checks). Filtered: only
      // `pending` (a message of ours that does not arrive) counts.
      const deliveredSeq =
        options.filterSubject === undefined ? info.delivered.stream_seq : position;
      return { pending: info.num_pending, deliveredSeq };
    },
    handled: () => handled,
    lastSeq: () => position,
    busy: () => run.busy || run.recovering,
    onStall: (reason) => {
      void recover(reason);
    },
    ...(options.watchdogMs === undefined ? {} : { checkMs: options.watchdogMs }),
  });

  return {
    caughtUp,
    async stop() {
      run.stopped = true;
      stopWatchdog();
      const last = current;
      last?.messages.stop();
      await last?.loop;
    },
    lag: () => pending,
    lastSeq: () => position,
    recoveries: () => recoveries,
  };
}
