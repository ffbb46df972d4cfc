import { createHash } from 'node:crypto';
import { createLineState, partitionOf, reduceLine } from '@snomlink/core';
import type { LineInput, LineState } from '@snomlink/core';
import { ClusterUnavailableError, freshRecords } from '@snomlink/cluster-nats';
import type {
  ChangeRecord,
  ClusterCommand,
  ClusterCommandResult,
  ClusterHandlers,
  ClusterStatus,
  DeliveredJournalEntry,
  LineSnapshot,
  NatsCluster,
  PhoneHealthRecord,
  SharedConfigDocument,
} from '@snomlink/cluster-nats';

// An in-memory stand-in for a NATS cluster, for the daemon's tests: one shared log, reduced at
// publish time with core's reducer (as the owner would), change records and journal entries
// delivered to every started node, webhooks to one, commands to the owner. The first started
// node owns every partition; when it closes, the next one takes them over. Not a model of NATS's
// timing: the real thing is tested in packages/cluster-nats and tests/cluster.

const PARTITIONS = 64;

/** The shared side of the fake: what "NATS" holds, and switches for tests. */
export interface FakeClusterNetwork {
  /** A member with this node id (not started yet). */
  node(nodeId: string): NatsCluster;
  /** False: every publish and command fails with ClusterUnavailableError (NATS unreachable). */
  setAvailable(available: boolean): void;
  /** Holds every stream ack until the returned function is called. */
  holdAcks(): () => void;
  /** Change records published so far (CHANGES). */
  readonly changes: readonly ChangeRecord[];
  /** Journal entries published so far (JOURNAL, one per key). */
  readonly journal: readonly DeliveredJournalEntry[];
  /** Commands each node ran, by node id. */
  readonly commandsRun: ReadonlyMap<string, readonly ClusterCommand[]>;
  /** The shared config as "KV" holds it now. */
  readonly config: () => SharedConfigDocument;
  /** Writes the shared config directly (as another tool with access to the bucket could). */
  writeConfig(change: (doc: SharedConfigDocument) => SharedConfigDocument): void;
}

interface Member {
  readonly nodeId: string;
  handlers: ClusterHandlers | null;
  owned: boolean;
  readonly configWatchers: Set<(config: SharedConfigDocument) => void>;
}

function unavailable(what: string): ClusterUnavailableError {
  return new ClusterUnavailableError(`fake NATS unavailable: ${what}`);
}

/** Creates an empty fake cluster. */
export function createFakeClusterNetwork(): FakeClusterNetwork {
  const members: Member[] = [];
  const snapshots = new Map<string, LineSnapshot>();
  const health = new Map<string, PhoneHealthRecord>();
  const changes: ChangeRecord[] = [];
  const journal: DeliveredJournalEntry[] = [];
  const journalKeys = new Set<string>();
  const commandsRun = new Map<string, ClusterCommand[]>();
  const commandResults = new Map<string, Promise<ClusterCommandResult>>();
  let available = true;
  let held: Promise<void> | null = null;
  let eventSeq = 0;
  let webhookTurn = 0;
  let config: SharedConfigDocument = { revision: 0, sections: {}, phones: {} };

  const isAvailable = (): boolean => available;
  const started = (): Member[] => members.filter((m) => m.handlers !== null);
  const owner = (): Member | undefined => started().find((m) => m.owned);

  function setConfig(next: SharedConfigDocument): void {
    config = next;
    for (const m of members) {
      for (const watcher of m.configWatchers) watcher(config);
      m.handlers?.onConfig?.(config);
    }
  }

  function assignOwner(): void {
    if (owner() !== undefined) return;
    const next = started()[0];
    if (next === undefined) return;
    next.owned = true;
    next.handlers?.onPartitionsGained(Array.from({ length: PARTITIONS }, (_, i) => i));
  }

  function deliver(record: ChangeRecord): void {
    changes.push(record);
    const seq = changes.length;
    for (const m of started()) m.handlers?.onChange({ seq, record });
    for (const change of record.changes) {
      if (change.type !== 'call-finished') continue;
      const key = createHash('sha256')
        .update(`${change.call.phoneId}|${change.call.id}`)
        .digest('hex')
        .slice(0, 32);
      if (journalKeys.has(key)) continue;
      journalKeys.add(key);
      const entry: DeliveredJournalEntry = { seq: journal.length + 1, key, call: change.call };
      journal.push(entry);
      for (const m of started()) m.handlers?.onJournalEntry(entry);
    }
    const receivers = started();
    const receiver = receivers[webhookTurn++ % Math.max(1, receivers.length)];
    void receiver?.handlers?.onWebhookChange({ seq, record });
  }

  function reduce(phoneId: string, input: LineInput, receivedAt: number): void {
    eventSeq += 1;
    const previous = snapshots.get(phoneId) ?? {
      state: createLineState(phoneId),
      lastSeq: 0,
      lastNow: 0,
    };
    const now = Math.max(previous.lastNow, receivedAt);
    const step = reduceLine(previous.state, input, now);
    const state: LineState = step.lineState;
    snapshots.set(phoneId, { state, lastSeq: eventSeq, lastNow: now });
    if (step.changes.length === 0 && step.presenceChanges.length === 0 && state === previous.state)
      return;
    deliver({
      phoneId,
      eventSeq,
      changes: step.changes,
      presenceChanges: step.presenceChanges,
      state,
    });
  }

  function node(nodeId: string): NatsCluster {
    const me: Member = { nodeId, handlers: null, owned: false, configWatchers: new Set() };
    /** CHANGES length when this node started: its read view is live after it. */
    let liveAfter = 0;
    members.push(me);
    const status = (): ClusterStatus => {
      const own = owner();
      return {
        nodeId,
        connected: available,
        serverVersion: 'fake',
        partitions: PARTITIONS,
        members: started().map((m) => ({
          nodeId: m.nodeId,
          seenAt: Date.now(),
          partitions: m.owned ? Array.from({ length: PARTITIONS }, (_, i) => i) : [],
          adminUrl: null,
        })),
        owners: Array.from({ length: PARTITIONS }, () => own?.nodeId ?? null),
        owned: me.owned ? Array.from({ length: PARTITIONS }, (_, i) => i) : [],
        fenced: false,
        readViewLag: 0,
        journalLag: 0,
        counters: {
          takeOvers: 0,
          leaseRenewalFailures: 0,
          ingressRefused: 0,
          commandsServed: 0,
          consumerRecoveries: 0,
        },
      };
    };
    return {
      nodeId,
      init: () => Promise.resolve(1),
      start(handlers, { journalFromSeq }) {
        me.handlers = handlers;
        liveAfter = changes.length;
        for (const entry of journal)
          if (entry.seq >= journalFromSeq) handlers.onJournalEntry(entry);
        handlers.onConfig?.(config);
        assignOwner();
        return Promise.resolve();
      },
      async publishInput(phoneId, input, receivedAt) {
        if (!isAvailable()) throw unavailable('no stream ack');
        if (held !== null) await held;
        // Checked again: NATS may have gone away while the ack was held.
        if (!isAvailable()) throw unavailable('no stream ack');
        reduce(phoneId, input, receivedAt);
      },
      command(command) {
        if (!available) return Promise.reject(unavailable('no command reply'));
        const known = commandResults.get(command.id);
        if (known !== undefined) return known;
        const target = owner();
        if (target?.handlers == null) return Promise.reject(unavailable('no owner'));
        const list = commandsRun.get(target.nodeId) ?? [];
        list.push(command);
        commandsRun.set(target.nodeId, list);
        const result = target.handlers.onCommand(command);
        commandResults.set(command.id, result);
        return result;
      },
      lines() {
        return new Map([...snapshots].map(([id, s]) => [id, s.state]));
      },
      changesPosition: () => ({ liveAfter, known: changes.length }),
      readChanges(afterSeq, toSeq, limit) {
        if (!available) return Promise.reject(unavailable('CHANGES not readable'));
        const upTo = Math.min(toSeq, changes.length, afterSeq + limit);
        const range = changes
          .slice(afterSeq, upTo)
          .map((record, i) => ({ seq: afterSeq + 1 + i, record }));
        return Promise.resolve(freshRecords(range));
      },
      readConfig: () => config,
      updateConfig(change) {
        if (!available) return Promise.reject(unavailable('no KV write'));
        setConfig({ ...change(config), revision: config.revision + 1 });
        return Promise.resolve(config);
      },
      watchConfig(listener) {
        me.configWatchers.add(listener);
        return Promise.resolve(config);
      },
      seedConfig(local) {
        if (config.revision > 0) return Promise.resolve(false);
        config = { revision: 1, sections: local.sections, phones: local.phones };
        return Promise.resolve(true);
      },
      owns: (phoneId) => me.owned && partitionOf(phoneId) >= 0,
      health: () => health,
      publishHealth(phoneId, next, statusChanged) {
        if (!me.owned) return Promise.resolve(false);
        if (!isAvailable()) return Promise.reject(unavailable('no stream ack'));
        health.set(phoneId, next);
        const at = next.checkedAt ?? Date.now();
        deliver({
          phoneId,
          eventSeq: 0,
          changes: [],
          presenceChanges: [],
          health: next,
          ...(statusChanged && next.status !== 'unknown'
            ? {
                lineStatus: {
                  type: 'line-status',
                  phoneId,
                  status: next.status,
                  detail: next.detail,
                  at,
                },
              }
            : {}),
          state: snapshots.get(phoneId)?.state ?? createLineState(phoneId),
        });
        return Promise.resolve(true);
      },
      status,
      close() {
        const wasOwner = me.owned;
        me.owned = false;
        me.handlers = null;
        me.configWatchers.clear();
        if (wasOwner) assignOwner();
        return Promise.resolve();
      },
    };
  }

  return {
    node,
    setAvailable(value) {
      available = value;
    },
    holdAcks() {
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      held = gate;
      return () => {
        if (held === gate) held = null;
        release();
      };
    },
    changes,
    journal,
    commandsRun,
    config: () => config,
    writeConfig(change) {
      setConfig({ ...change(config), revision: config.revision + 1 });
    },
  };
}
