import {
  AckPolicy,
  DeliverPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { ClosedConnectionError, millis, nanos } from '@nats-io/transport-node';
import * as v from 'valibot';
import type { ChangeRecord, ClusterLogger, DeliveredChange } from './cluster-types.js';
import { PHONE_ID_PATTERN } from './command-wire.js';
import { ClusterUnavailableError } from './errors.js';
import type { ClusterNames } from './names.js';

// Webhooks delivered once cluster-wide: one durable pull consumer on CHANGES that every daemon
// pulls from, so each change record goes to one daemon. It is acknowledged only after the
// daemon's handler resolved; a failed handler naks with a growing delay (redelivered, maybe to
// another daemon); a daemon that dies mid-delivery never acks, so the record is redelivered after
// ack_wait. Delivery is at least once: a daemon that delivered the webhook and died before its
// ack reached NATS causes a second delivery (receivers de-duplicate by the webhook id).
//
// Trust: a record on `<prefix>.ch.>` becomes a webhook. Anyone allowed to publish there can make
// every daemon send forged webhooks; only the daemons may hold that permission.

const NO_LOGGER: ClusterLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Settings of the shared webhook consumer (the same for every daemon: stored in NATS). */
export interface WebhookConsumerSettings {
  /** How long a delivery may stay unacknowledged before another daemon gets it (default 30 000). */
  readonly ackWaitMs?: number;
  /** Deliveries of one record before NATS gives up on it (default 20). */
  readonly maxDeliver?: number;
  /** Records in delivery at once across all daemons (default 1 000). */
  readonly maxAckPending?: number;
}

/**
 * Creates the shared durable consumer `names.webhookConsumer` on CHANGES if it is missing, or
 * updates its settings. It starts at new records: a consumer added to a CHANGES stream with
 * history does not replay old changes as webhooks (init creates it with the stream).
 */
export async function ensureWebhookConsumer(
  jsm: JetStreamManager,
  names: ClusterNames,
  settings: WebhookConsumerSettings = {},
): Promise<void> {
  const config = {
    ack_wait: nanos(settings.ackWaitMs ?? 30_000),
    max_deliver: settings.maxDeliver ?? 20,
    max_ack_pending: settings.maxAckPending ?? 1_000,
  };
  let exists = true;
  try {
    await jsm.consumers.info(names.changesStream, names.webhookConsumer);
  } catch {
    exists = false;
  }
  if (exists) {
    await jsm.consumers.update(names.changesStream, names.webhookConsumer, config);
    return;
  }
  await jsm.consumers.add(names.changesStream, {
    ...config,
    durable_name: names.webhookConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
  });
}

const changeRecordSchema = v.looseObject({
  phoneId: v.pipe(v.string(), v.regex(PHONE_ID_PATTERN)),
  eventSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  changes: v.array(v.unknown()),
  presenceChanges: v.array(v.unknown()),
  state: v.looseObject({}),
});

/** Parses a CHANGES message; null when it is not a change record (it is then terminated). */
export function parseChangeRecord(text: string): ChangeRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  // The shape is checked, the contents are the owner's (B's processor) as published.
  return v.is(changeRecordSchema, raw) ? (raw as unknown as ChangeRecord) : null;
}

/** Options of {@link createWebhookFeed}. */
export interface WebhookFeedOptions {
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  /** Delivers one record's webhooks; resolve when done (then acked), reject to have it retried. */
  readonly onWebhookChange: (change: DeliveredChange) => Promise<void>;
  /** Records this daemon handles at once (default 4). */
  readonly concurrency?: number;
  /** Delay before a failed record is redelivered, by delivery count (default 1 s doubling to 60 s). */
  readonly retryDelayMs?: (deliveryCount: number) => number;
  /** How long one pull waits for a record (default 5 000; NATS's minimum is 1 000). */
  readonly idleMs?: number;
  readonly logger?: ClusterLogger;
}

/** This daemon's share of the webhook consumer. */
export interface WebhookFeed {
  /** Starts pulling (the consumer must exist: {@link ensureWebhookConsumer}). */
  start(): Promise<void>;
  /**
   * Stops pulling and waits for records in delivery to finish and be acked; a record arriving
   * after this is nak'ed at once so another daemon takes it.
   */
  stop(): Promise<void>;
  /** Records this daemon handled and acked, and records whose handler failed (nak'ed). */
  counts(): { readonly delivered: number; readonly failed: number };
}

function defaultRetryDelay(deliveryCount: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, deliveryCount - 1));
}

/** Creates this daemon's puller of the shared webhook consumer. */
export function createWebhookFeed(options: WebhookFeedOptions): WebhookFeed {
  const { js, names, onWebhookChange } = options;
  const logger = options.logger ?? NO_LOGGER;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const idleMs = Math.max(1_000, options.idleMs ?? 5_000);
  let stopped = false;
  let workers: Promise<void>[] = [];
  const inDelivery = new Set<Promise<void>>();
  let delivered = 0;
  let failed = 0;
  const sleepers = new Set<() => void>();

  async function handle(m: JsMsg, ackWaitMs: number): Promise<void> {
    const record = parseChangeRecord(m.string());
    if (record === null) {
      logger.warn(
        { seq: m.seq, subject: m.subject },
        'cluster: CHANGES message is not a change record; dropped',
      );
      m.term(); // no reason text: nats-server 2.9 ignores '+TERM <reason>'
      return;
    }
    // Long deliveries tell NATS they are still in progress, so ack_wait does not hand the record
    // to another daemon while this one is still sending it.
    const progress = setInterval(
      () => {
        m.working();
      },
      Math.max(200, Math.floor(ackWaitMs / 3)),
    );
    try {
      await onWebhookChange({ seq: m.seq, record });
    } catch (e) {
      failed += 1;
      const delay = retryDelay(m.info.deliveryCount);
      logger.warn(
        { err: e, seq: m.seq, attempt: m.info.deliveryCount, delay },
        'cluster: webhook delivery failed; retried later',
      );
      m.nak(delay);
      return;
    } finally {
      clearInterval(progress);
    }
    delivered += 1;
    try {
      await m.ackAck();
    } catch (e) {
      logger.warn(
        { err: e, seq: m.seq },
        'cluster: webhook ack not confirmed; it may be delivered again',
      );
    }
  }

  // A function, not the variable: `stop()` flips it while a worker awaits a pull.
  function halted(): boolean {
    return stopped;
  }

  async function worker(consumer: Consumer, ackWaitMs: number): Promise<void> {
    while (!halted()) {
      let m: JsMsg | null;
      try {
        m = await consumer.next({ expires: idleMs });
      } catch (e) {
        if (halted()) return;
        if (e instanceof ClosedConnectionError) {
          logger.warn({}, 'cluster: NATS connection closed; webhook worker stops');
          return;
        }
        logger.warn({ err: e }, 'cluster: webhook consumer pull failed; retrying');
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(t);
            sleepers.delete(wake);
            resolve();
          };
          const t = setTimeout(wake, 1_000);
          sleepers.add(wake);
        });
        continue;
      }
      if (m === null) continue;
      if (halted()) {
        m.nak();
        return;
      }
      const p = handle(m, ackWaitMs);
      inDelivery.add(p);
      try {
        await p;
      } finally {
        inDelivery.delete(p);
      }
    }
  }

  return {
    async start() {
      let consumer: Consumer;
      let ackWaitMs: number;
      try {
        consumer = await js.consumers.get(names.changesStream, names.webhookConsumer);
        ackWaitMs = millis((await consumer.info(true)).config.ack_wait ?? nanos(30_000));
      } catch (e) {
        throw new ClusterUnavailableError(
          `webhook consumer ${names.webhookConsumer} on ${names.changesStream} is not reachable (run cluster init)`,
          { cause: e },
        );
      }
      stopped = false;
      workers = Array.from({ length: concurrency }, () =>
        worker(consumer, ackWaitMs).catch((e: unknown) => {
          logger.error({ err: e }, 'cluster: webhook worker stopped');
        }),
      );
    },
    async stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await Promise.allSettled([...inDelivery]);
      // Workers may still wait in a pull (up to idleMs); they nak what arrives and end.
      void Promise.allSettled(workers);
    },
    counts() {
      return { delivered, failed };
    },
  };
}
