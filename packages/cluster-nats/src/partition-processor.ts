import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  hasErrorName,
  partitionOf,
  type FinishedCall,
  type LineReducerOptions,
} from '@snomlink/core';
import type { ClusterLogger, LineSnapshot } from './cluster-types.js';
import type { Ingress } from './ingress.js';
import { journalKey } from './journal-key.js';
import {
  casPut,
  checkpointKey,
  encodeJson,
  isCasConflict,
  lineKey,
  lineKeyFilter,
  loadCheckpoint,
  loadSnapshots,
} from './line-snapshots.js';
import type { ClusterNames } from './names.js';
import { applyStoredInput, emptySnapshot } from './reduce-step.js';
import { lastToken, parseStoredInput } from './stored-input.js';
import { followStream, type FollowedMessage, type StreamFollow } from './stream-follow.js';

/** Options of {@link createPartitionProcessor}. */
export interface PartitionProcessorOptions {
  /** JetStream client of an already connected NatsConnection. */
  readonly js: JetStreamClient;
  /** The `lines` KV bucket (snapshots and checkpoints). */
  readonly lines: KV;
  readonly names: ClusterNames;
  /** The partition this node owns. */
  readonly partition: number;
  /** Partition count (default core's 64). */
  readonly partitions?: number;
  /** Ticks go through ingress, so timeouts are in the log and every owner sees the same ones. */
  readonly ingress: Pick<Ingress, 'publishInput'>;
  /** Tick period for lines with live calls (default 1 000 ms; 0 = no ticks). */
  readonly tickMs?: number;
  /** Checkpoint after this many inputs (default 200) … */
  readonly checkpointEvery?: number;
  /** … or this long after the last one (default 2 000 ms). */
  readonly checkpointMs?: number;
  /** Reducer options (dial rules, timeouts); must be the same on every daemon. */
  readonly reducerOptions?: () => LineReducerOptions;
  /** Clock for ticks' `receivedAt` (default Date.now). */
  readonly now?: () => number;
  /** Wait for each stream ack (default 5 000 ms); failures are retried until stopped. */
  readonly publishTimeoutMs?: number;
  readonly logger?: ClusterLogger;
  /**
   * Asked before every write (CHANGES, JOURNAL, snapshot, checkpoint): false when this node no
   * longer holds the partition's lease or is fenced. The processor then stops as `lost` without
   * writing, so a resumed zombie does not even race the new owner's CAS. Default: always true.
   */
  readonly canWrite?: () => boolean;
  /** Called when its stalled consumer is re-created (the cluster counts them). */
  readonly onConsumerRecovery?: () => void;
  /** Called once when a CAS failed: another node wrote this partition's lines; it has stopped. */
  readonly onLost?: (reason: string) => void;
}

/** Why a processor ended: asked to (`stopped`), or another owner wrote its lines (`lost`). */
export type ProcessorEnd = 'stopped' | 'lost';

/** Counters of one processor. */
export interface ProcessorCounters {
  /** EVENTS messages handled (including no-ops and skipped ones). */
  readonly inputs: number;
  readonly changesPublished: number;
  /** CHANGES publishes the stream reported as duplicates (a zombie or a replay). */
  readonly changesDuplicates: number;
  readonly journalPublished: number;
  /** JOURNAL publishes rejected as already stored (counted as success). */
  readonly journalDuplicates: number;
  /** Malformed or misrouted EVENTS messages skipped. */
  readonly skippedInvalid: number;
}

/** The owner's replay of one partition: EVENTS → reducer → CHANGES, JOURNAL, snapshots. */
export interface PartitionProcessor {
  readonly partition: number;
  /** Loads the checkpoint and snapshots, then follows EVENTS; resolves once following. */
  start(): Promise<void>;
  /**
   * Stops following; idempotent. By default it writes nothing more: safe when the lease is
   * already lost (a late write would bump a revision under the new owner and stop it), and
   * correct in every case, since the next owner replays from the last checkpoint (at most
   * `checkpointEvery` inputs or `checkpointMs`, mostly skipped by the snapshots). `flush: true`
   * (a planned hand-over, before the lease is released) first stores the final checkpoint, so
   * the next owner starts where this one ended.
   */
  stop(options?: { readonly flush?: boolean }): Promise<void>;
  /** Resolves when the processor has ended, with why. */
  readonly ended: Promise<ProcessorEnd>;
  /** Highest EVENTS sequence fully applied (snapshot and outputs stored, or a no-op). */
  appliedSeq(): number;
  /** Phone ids of this partition with live calls (ticked). */
  liveLines(): readonly string[];
  counters(): ProcessorCounters;
}

interface LineEntry {
  snapshot: LineSnapshot;
  /** KV revision of the stored snapshot, 0 = none stored yet. */
  revision: number;
  /** The snapshot moved past the stored one by no-op inputs only (flushed before a checkpoint). */
  dirty: boolean;
}

class Stopped extends Error {
  override readonly name = 'Stopped';
}

class Lost extends Error {
  override readonly name = 'Lost';
}

function isPerSubjectLimit(error: unknown): boolean {
  // JOURNAL keeps one message per subject with discard-new-per-subject: a republish after the
  // duplicate window is refused with this error, and means "already stored".
  return (
    hasErrorName(error, ['JetStreamApiError']) &&
    ((error as { code?: unknown }).code === 10077 ||
      /maximum messages per subject/i.test(String((error as { message?: unknown }).message)))
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates the processor of one owned partition (CLUSTER.md "Determinism", "Journal exactly
 * once"). For each EVENTS input after the checkpoint: skip it when the line's snapshot already
 * covers it, reduce it, publish the CHANGES record (Msg-Id `<phoneId>:<seq>`), each finished call
 * to JOURNAL (Msg-Id = key; a duplicate counts as success), then CAS the snapshot. A CAS failure
 * means another node writes these lines: the processor stops at once and reports `lost`.
 */
export function createPartitionProcessor(options: PartitionProcessorOptions): PartitionProcessor {
  const { js, lines, names, partition } = options;
  const tickMs = options.tickMs ?? 1_000;
  const checkpointEvery = options.checkpointEvery ?? 200;
  const checkpointMs = options.checkpointMs ?? 2_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, LineEntry>();
  const counters = {
    inputs: 0,
    changesPublished: 0,
    changesDuplicates: 0,
    journalPublished: 0,
    journalDuplicates: 0,
    skippedInvalid: 0,
  };
  let state: 'new' | 'running' | 'stopping' | 'ended' = 'new';
  /** The state as other callbacks may have left it (defeats narrowing across awaits). */
  const running = (): boolean => state === 'running';
  let applied = 0;
  let checkpoint = { seq: 0, revision: 0 };
  let follow: StreamFollow | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let timers: NodeJS.Timeout[] = [];
  let ticking = false;
  let finalFlush = false;
  let resolveEnded: (end: ProcessorEnd) => void = () => undefined;
  const ended = new Promise<ProcessorEnd>((resolve) => {
    resolveEnded = resolve;
  });

  /** Runs `fn` after everything queued before it: inputs and checkpoints never interleave. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  }

  /** Retries a transient failure (NATS away, timeout) with backoff until it works or we stop. */
  async function persist<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      // A planned stop still writes the final checkpoint, with a few attempts only.
      const flushing = state === 'stopping' && finalFlush && attempt < 3;
      if (state !== 'running' && !flushing) throw new Stopped(what);
      if (options.canWrite?.() === false) throw new Lost(`${what}: the lease is no longer held`);
      try {
        return await fn();
      } catch (error) {
        if (isCasConflict(error)) throw new Lost(`${what}: ${(error as Error).message}`);
        if (attempt === 0 || attempt % 20 === 0) {
          options.logger?.warn(
            { partition, attempt, err: (error as Error).message },
            `cluster: ${what} failed; retrying`,
          );
        }
        await delay(Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  async function publishJournal(call: FinishedCall): Promise<void> {
    const key = journalKey(call);
    await persist('journal publish', async () => {
      try {
        const ack = await js.publish(names.journalSubject(call.phoneId, key), encodeJson(call), {
          msgID: key,
          timeout: publishTimeoutMs,
        });
        if (ack.duplicate) counters.journalDuplicates++;
        else counters.journalPublished++;
      } catch (error) {
        if (!isPerSubjectLimit(error)) throw error;
        counters.journalDuplicates++;
      }
    });
  }

  /**
   * A CAS write for `persist`: when a retry conflicts, the first attempt may have been stored
   * with its answer lost (a timeout); if the key holds exactly our value, that was us.
   */
  function casOnce(key: string, value: unknown, revision: number): () => Promise<number> {
    let retry = false;
    return async () => {
      try {
        return await casPut(lines, key, value, revision);
      } catch (error) {
        if (retry && isCasConflict(error)) {
          const stored = await lines.get(key);
          if (stored?.operation === 'PUT' && stored.string() === JSON.stringify(value)) {
            return stored.revision;
          }
        }
        throw error;
      } finally {
        retry = true;
      }
    };
  }

  async function writeSnapshot(
    phoneId: string,
    entry: LineEntry,
    snapshot: LineSnapshot,
  ): Promise<void> {
    const revision = await persist(
      'snapshot write',
      casOnce(lineKey(partition, phoneId), snapshot, entry.revision),
    );
    entry.snapshot = snapshot;
    entry.revision = revision;
    entry.dirty = false;
  }

  async function handle(msg: FollowedMessage): Promise<void> {
    if (state !== 'running') return;
    counters.inputs++;
    const phoneId = lastToken(msg.subject);
    const stored = parseStoredInput(msg.data, phoneId);
    if (stored === null || partitionOf(phoneId, options.partitions) !== partition) {
      counters.skippedInvalid++;
      applied = msg.seq;
      return;
    }
    let entry = entries.get(phoneId);
    if (entry === undefined) {
      entry = { snapshot: emptySnapshot(phoneId), revision: 0, dirty: false };
      entries.set(phoneId, entry);
    }
    const step = applyStoredInput(entry.snapshot, stored, msg.seq, options.reducerOptions?.());
    if (step !== null && step.record === null) {
      // A no-op moves only lastSeq/lastNow: kept in memory, stored before the next checkpoint
      // (a replay from the checkpoint recomputes it identically).
      entry.snapshot = step.snapshot;
      entry.dirty = true;
    } else if (step?.record != null) {
      const record = step.record;
      const ack = await persist('changes publish', () =>
        js.publish(names.changeSubject(partition, phoneId), encodeJson(record), {
          msgID: `${phoneId}:${String(msg.seq)}`,
          timeout: publishTimeoutMs,
        }),
      );
      if (ack.duplicate) counters.changesDuplicates++;
      else counters.changesPublished++;
      for (const call of step.finished) await publishJournal(call);
      await writeSnapshot(phoneId, entry, step.snapshot);
    }
    applied = msg.seq;
    if (applied - checkpoint.seq >= checkpointEvery) await writeCheckpoint();
  }

  async function writeCheckpoint(): Promise<void> {
    if (state !== 'running' && state !== 'stopping') return;
    for (const [phoneId, entry] of entries) {
      if (entry.dirty) await writeSnapshot(phoneId, entry, entry.snapshot);
    }
    if (applied <= checkpoint.seq) return;
    const seq = applied;
    const revision = await persist(
      'checkpoint write',
      casOnce(checkpointKey(partition), { seq }, checkpoint.revision),
    );
    checkpoint = { seq, revision };
  }

  function end(how: ProcessorEnd, reason?: string): void {
    if (state === 'ended') return;
    state = 'ended';
    for (const t of timers) clearInterval(t);
    timers = [];
    void follow?.stop();
    if (how === 'lost') {
      options.logger?.warn(
        { partition, reason },
        'cluster: partition written by another node; stopped',
      );
      options.onLost?.(reason ?? 'lost');
    }
    resolveEnded(how);
  }

  function failed(error: unknown): void {
    if (error instanceof Lost) end('lost', error.message);
    else if (!(error instanceof Stopped)) {
      options.logger?.error(
        { partition, err: (error as Error).message },
        'cluster: partition processor failed',
      );
      end('lost', (error as Error).message);
    }
  }

  async function tick(): Promise<void> {
    if (ticking || state !== 'running') return;
    ticking = true;
    try {
      const live = [...entries].filter(([, e]) => Object.keys(e.snapshot.state.calls).length > 0);
      const results = await Promise.allSettled(
        live.map(([phoneId]) => options.ingress.publishInput(phoneId, { kind: 'tick' }, now())),
      );
      const failures = results.filter((r) => r.status === 'rejected').length;
      if (failures > 0) options.logger?.warn({ partition, failures }, 'cluster: ticks not stored');
    } finally {
      ticking = false;
    }
  }

  return {
    partition,
    ended,
    async start() {
      if (state !== 'new') throw new Error('a partition processor starts once');
      state = 'running';
      checkpoint = await (async () => {
        const c = await loadCheckpoint(lines, partition);
        return { seq: c.value.seq, revision: c.revision };
      })();
      applied = checkpoint.seq;
      for (const [phoneId, stored] of await loadSnapshots(lines, lineKeyFilter(partition))) {
        entries.set(phoneId, { snapshot: stored.value, revision: stored.revision, dirty: false });
      }
      // What this owner starts from: a trace of a call two owners disagreed about needs it.
      options.logger?.info(
        {
          partition,
          checkpoint: checkpoint.seq,
          lines: Object.fromEntries([...entries].map(([id, e]) => [id, e.snapshot.lastSeq])),
        },
        'cluster: partition processor starts',
      );
      follow = await followStream({
        js,
        stream: names.eventsStream,
        filterSubject: names.eventPartitionFilter(partition),
        startSeq: checkpoint.seq + 1,
        caughtUpAt: 0,
        batch: 256,
        onMessage: async (msg) => {
          if (!running()) return;
          await serial(() => handle(msg)).catch(failed);
        },
        label: `partition ${String(partition)} EVENTS`,
        ...(options.onConsumerRecovery ? { onRecovery: options.onConsumerRecovery } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      if (!running()) {
        await follow.stop();
        return;
      }
      timers.push(
        setInterval(() => {
          serial(writeCheckpoint).catch(failed);
        }, checkpointMs),
      );
      if (tickMs > 0) {
        timers.push(
          setInterval(() => {
            void tick();
          }, tickMs),
        );
      }
    },
    async stop(stopOptions) {
      if (state === 'ended' || state === 'stopping') {
        await ended;
        return;
      }
      const wasRunning = state === 'running';
      state = 'stopping';
      for (const t of timers) clearInterval(t);
      await follow?.stop();
      await chain;
      if (wasRunning && stopOptions?.flush === true) {
        finalFlush = true;
        try {
          await writeCheckpoint();
        } catch (error) {
          options.logger?.warn(
            { partition, err: (error as Error).message },
            'cluster: final checkpoint not written',
          );
        }
      }
      end('stopped');
    },
    appliedSeq: () => applied,
    liveLines: () =>
      [...entries]
        .filter(([, e]) => Object.keys(e.snapshot.state.calls).length > 0)
        .map(([id]) => id),
    counters: () => ({ ...counters }),
  };
}
