import type {
  Call,
  CallChange,
  EventHub,
  LineInput,
  LineModel,
  LineState,
  SnomlinkEvent,
} from '@snomlink/core';
import type { ChangeRecord } from '@snomlink/cluster-nats';

/** Options of {@link createReplicaLineModel}. */
export interface ReplicaLineModelOptions {
  /** The record's changes are published here, as core's line model does. */
  readonly hub: EventHub<SnomlinkEvent>;
  /** Sends an input to the phone's owner through the stream (never throws; logs a failure). */
  readonly publish: (phoneId: string, input: LineInput) => void;
}

/** A {@link LineModel} that follows the owners' change records instead of reducing itself. */
export interface ReplicaLineModel extends LineModel {
  /** Takes the lines as the read view loaded them (before any change record); publishes nothing. */
  load(lines: ReadonlyMap<string, LineState>): void;
  /**
   * Applies one change record: the line becomes the record's state (not for a health record),
   * its events go to the hub.
   */
  applyRecord(record: ChangeRecord): void;
}

/**
 * The hub events of a change record, in the order they are published (and numbered for SSE in
 * cluster mode): its call changes, its presence changes, then its line status.
 */
export function recordEvents(record: ChangeRecord): SnomlinkEvent[] {
  const events: SnomlinkEvent[] = [...record.changes, ...record.presenceChanges];
  if (record.lineStatus !== undefined) events.push(record.lineStatus);
  return events;
}

/**
 * Whether a record is the owner's health result, not a reducer output (it never moves the line).
 * The rule of `@snomlink/cluster-nats`'s `isHealthRecord`, restated: this module is loaded in
 * single-process mode too, which must not load the NATS package.
 */
export function isHealthRecord(record: ChangeRecord): boolean {
  return (
    record.changes.length === 0 && (record.lineStatus !== undefined || record.health !== undefined)
  );
}

function byStart(a: Call, b: Call): number {
  return a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The line store of cluster mode: every line as its owner last wrote it. Reads answer from the
 * replica; inputs (`applyDirectoryName`, `setForwardingTarget`, `apply`) go to the stream and come
 * back as change records, so every daemon shows the same lines.
 */
export function createReplicaLineModel(options: ReplicaLineModelOptions): ReplicaLineModel {
  const lines = new Map<string, LineState>();
  /** Call.id → phoneId of every live call. */
  const index = new Map<string, string>();

  function setLine(state: LineState): void {
    const previous = lines.get(state.phoneId);
    if (previous !== undefined) for (const id of Object.keys(previous.calls)) index.delete(id);
    for (const id of Object.keys(state.calls)) index.set(id, state.phoneId);
    lines.set(state.phoneId, state);
  }

  return {
    load(loaded) {
      for (const state of loaded.values()) setLine(state);
    },
    applyRecord(record) {
      // A health record does not change the line (its state is only what its publisher saw).
      if (!isHealthRecord(record)) setLine(record.state);
      for (const event of recordEvents(record)) options.hub.publish(event);
    },
    apply(event): readonly CallChange[] {
      options.publish(event.phoneId, event);
      return [];
    },
    tick(): readonly CallChange[] {
      // The owners tick their lines through the stream (timeouts are in the log).
      return [];
    },
    liveCalls(phoneId?: string): readonly Call[] {
      const states = phoneId === undefined ? [...lines.values()] : [lines.get(phoneId)];
      const calls: Call[] = [];
      for (const state of states)
        if (state !== undefined) calls.push(...Object.values(state.calls));
      return calls.sort(byStart);
    },
    getCall(id) {
      const phoneId = index.get(id);
      return phoneId === undefined ? undefined : lines.get(phoneId)?.calls[id];
    },
    applyDirectoryName(input): readonly CallChange[] {
      const phoneId = index.get(input.callId);
      if (phoneId !== undefined) {
        options.publish(phoneId, { ...input, kind: 'directory-name', phoneId });
      }
      return [];
    },
    removePhone(phoneId): readonly CallChange[] {
      const state = lines.get(phoneId);
      if (state !== undefined) for (const id of Object.keys(state.calls)) index.delete(id);
      lines.delete(phoneId);
      return [];
    },
    setDialRules() {
      // The owner's reducer applies the dial rules; the replica only shows its results.
    },
    presence(phoneId) {
      return lines.get(phoneId)?.presence;
    },
    lines() {
      return [...lines].map(([phoneId, state]) => ({ phoneId, presence: state.presence }));
    },
    setForwardingTarget(phoneId, mode, target) {
      options.publish(phoneId, { kind: 'forwarding-target', phoneId, mode, target });
    },
  };
}
