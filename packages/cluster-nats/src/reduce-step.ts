import {
  createLineState,
  reduceLine,
  type FinishedCall,
  type LineReducerOptions,
} from '@snomlink/core';
import type { ChangeRecord, LineSnapshot, StoredInput } from './cluster-types.js';

/** What applying one stored input to a line's snapshot produced. */
export interface SnapshotStep {
  /** The line after the input (lastSeq = the input's seq, lastNow = the `now` used). */
  readonly snapshot: LineSnapshot;
  /** The CHANGES record, or null when the step changed nothing (a no-op input). */
  readonly record: ChangeRecord | null;
  /** Calls this step finished, in reducer order (each goes to JOURNAL). */
  readonly finished: readonly FinishedCall[];
}

/** The snapshot of a line never seen before. */
export function emptySnapshot(phoneId: string): LineSnapshot {
  return { state: createLineState(phoneId), lastSeq: 0, lastNow: 0 };
}

/**
 * Applies the input stored at EVENTS sequence `seq` to a line's snapshot: a pure function of
 * (snapshot, input, seq), so every owner (a replaying successor, a paused zombie) computes the
 * same record and the same journal entries. `now` is max(lastNow, receivedAt), so a clock that is
 * behind on another daemon never moves a line backwards. Returns null for `seq ≤ lastSeq`
 * (already applied).
 */
export function applyStoredInput(
  snapshot: LineSnapshot,
  stored: StoredInput,
  seq: number,
  options: LineReducerOptions = {},
): SnapshotStep | null {
  if (seq <= snapshot.lastSeq) return null;
  const now = Math.max(snapshot.lastNow, stored.receivedAt);
  const step = reduceLine(snapshot.state, stored.input, now, options);
  const next: LineSnapshot = { state: step.lineState, lastSeq: seq, lastNow: now };
  const changed =
    step.lineState !== snapshot.state || step.changes.length > 0 || step.presenceChanges.length > 0;
  if (!changed) return { snapshot: next, record: null, finished: [] };
  const finished: FinishedCall[] = [];
  for (const change of step.changes)
    if (change.type === 'call-finished') finished.push(change.call);
  return {
    snapshot: next,
    record: {
      phoneId: snapshot.state.phoneId,
      eventSeq: seq,
      changes: step.changes,
      presenceChanges: step.presenceChanges,
      state: step.lineState,
    },
    finished,
  };
}
