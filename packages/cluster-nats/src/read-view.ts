import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { LineState } from '@snomlink/core';
import type {
  ChangeRecord,
  ClusterLogger,
  DeliveredChange,
  PhoneHealthRecord,
} from './cluster-types.js';
import { lineKeyFilter, loadSnapshots } from './line-snapshots.js';
import {
  isHealthRecord,
  isPhoneHealthRecord,
  keepNewerHealth,
  loadHealth,
} from './phone-health.js';
import { CONSUME_EXPIRES_MS } from './consumer-timing.js';
import type { ClusterNames } from './names.js';
import { decodeJsonMessage, followStream, isRecord, type StreamFollow } from './stream-follow.js';

/** Default look-back of the read view into CHANGES before its snapshot load. */
export const DEFAULT_READ_VIEW_LOOKBACK_MS = 60_000;

/** Options of {@link createReadView}. */
export interface ReadViewOptions {
  /** JetStream client of an already connected NatsConnection. */
  readonly js: JetStreamClient;
  /** The `lines` KV bucket. */
  readonly lines: KV;
  readonly names: ClusterNames;
  /** Every change not covered by the loaded snapshots, in CHANGES order, once. */
  readonly onChange: (change: DeliveredChange) => void;
  /**
   * How far back before the snapshot load CHANGES is read (default 60 s). An owner stores a
   * record before the snapshot that covers it, so a record can be newer than the snapshot the
   * view loaded; reading a little history (skipping what snapshots cover) closes that gap.
   */
  readonly lookbackMs?: number;
  readonly logger?: ClusterLogger;
  /** Called when its stalled consumer is re-created (the cluster counts them). */
  readonly onConsumerRecovery?: () => void;
  /** Clock (default Date.now). */
  readonly now?: () => number;
}

/** Every line of the cluster, kept current from CHANGES, on any daemon. */
export interface ReadView {
  /** Loads every snapshot, then follows CHANGES; resolves once caught up with the stream. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Each phone's line as of the last applied record. */
  lines(): ReadonlyMap<string, LineState>;
  /** Each phone's last published health (stored copy at start, then health records). */
  health(): ReadonlyMap<string, PhoneHealthRecord>;
  /** Messages of CHANGES not yet applied (0 when caught up). */
  lag(): number;
  /** CHANGES sequence of the last message seen (the SSE id to resume after). */
  lastSeq(): number;
  /**
   * The CHANGES sequence after which every record reaches `onChange` live: the stream's end when
   * the snapshots were loaded. Records up to it may have been skipped as covered by a snapshot,
   * so a reader's position up to it cannot be served from what this view delivered.
   */
  liveAfterSeq(): number;
  /** The stream's end as last seen (last sequence + messages pending): no position is beyond it. */
  knownSeq(): number;
}

/** Shape check of a CHANGES message (written by owners; a bad one is skipped, not applied). */
export function parseChangeRecord(data: Uint8Array): ChangeRecord | null {
  const value = decodeJsonMessage(data);
  if (
    value === null ||
    typeof value['phoneId'] !== 'string' ||
    typeof value['eventSeq'] !== 'number' ||
    !Array.isArray(value['changes']) ||
    !Array.isArray(value['presenceChanges']) ||
    !isRecord(value['state']) ||
    value['state']['phoneId'] !== value['phoneId']
  ) {
    return null;
  }
  return value as unknown as ChangeRecord;
}

/**
 * Creates the read view (CLUSTER.md "Any daemon sees everything"): snapshots of every line, then
 * CHANGES from a little before the load, skipping each record whose eventSeq the phone's snapshot
 * (or an earlier record) already covers, so nothing is missed and nothing is delivered twice,
 * also when a replaying owner republished a record after the duplicate window.
 */
export function createReadView(options: ReadViewOptions): ReadView {
  const { js, names } = options;
  const now = options.now ?? Date.now;
  const lookbackMs = options.lookbackMs ?? DEFAULT_READ_VIEW_LOOKBACK_MS;
  const states = new Map<string, LineState>();
  /** Highest eventSeq applied per phone (from its snapshot or records). */
  const applied = new Map<string, number>();
  const health = new Map<string, PhoneHealthRecord>();
  let follow: StreamFollow | null = null;
  /** The stream's last sequence when the snapshots were loaded (see liveAfterSeq). */
  let target = 0;

  function apply(seq: number, record: ChangeRecord): void {
    const covered = applied.get(record.phoneId) ?? 0;
    // A health record is no reducer output: it never moves the line or its eventSeq.
    if (isHealthRecord(record)) {
      if (record.health !== undefined && isPhoneHealthRecord(record.health))
        keepNewerHealth(health, record.phoneId, record.health);
    } else {
      if (record.eventSeq <= covered) return;
      applied.set(record.phoneId, record.eventSeq);
      states.set(record.phoneId, record.state);
    }
    try {
      options.onChange({ seq, record });
    } catch (error) {
      options.logger?.error(
        { seq, phoneId: record.phoneId, err: (error as Error).message },
        'cluster: change handler failed',
      );
    }
  }

  /** Sequence of the first CHANGES message stored at or after `time`, or null when none. */
  async function firstSeqSince(time: Date): Promise<number | null> {
    const probe = await js.consumers.get(names.changesStream, {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: time.toISOString(),
    });
    try {
      const first = await probe.next({ expires: CONSUME_EXPIRES_MS });
      return first?.seq ?? null;
    } finally {
      await probe.delete().catch(() => undefined);
    }
  }

  return {
    async start() {
      const startTime = new Date(now() - lookbackMs);
      for (const [phoneId, stored] of await loadSnapshots(options.lines, lineKeyFilter())) {
        states.set(phoneId, stored.value.state);
        applied.set(phoneId, stored.value.lastSeq);
      }
      for (const [phoneId, stored] of await loadHealth(options.lines))
        keepNewerHealth(health, phoneId, stored);
      const jsm = await js.jetstreamManager();
      const { state } = await jsm.streams.info(names.changesStream);
      target = state.last_seq;
      let caughtUp = target === 0 || state.messages === 0;
      if (!caughtUp) {
        // Nothing to read when the newest message is older than the look-back start.
        const newest = await jsm.streams.getMessage(names.changesStream, { seq: target });
        caughtUp = newest === null || newest.time < startTime;
      }
      // Followed from a sequence, never a time: the client recreates an ordered consumer after a
      // server restart from a copy of its config, and a copied opt_start_time next to the new
      // opt_start_seq makes every recreation fail (the view then stalls for good).
      const startSeq = caughtUp ? target + 1 : ((await firstSeqSince(startTime)) ?? target + 1);
      follow = await followStream({
        js,
        stream: names.changesStream,
        startSeq,
        caughtUpAt: caughtUp ? 0 : target,
        onMessage: (m) => {
          const record = parseChangeRecord(m.data);
          if (record === null) {
            options.logger?.warn({ seq: m.seq }, 'cluster: malformed change record skipped');
          } else {
            apply(m.seq, record);
          }
        },
        label: 'read view',
        ...(options.onConsumerRecovery ? { onRecovery: options.onConsumerRecovery } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      await follow.caughtUp;
    },
    async stop() {
      await follow?.stop();
    },
    lines: () => states,
    health: () => health,
    lag: () => follow?.lag() ?? 0,
    lastSeq: () => follow?.lastSeq() ?? 0,
    liveAfterSeq: () => target,
    knownSeq: () => Math.max(target, (follow?.lastSeq() ?? 0) + (follow?.lag() ?? 0)),
  };
}
