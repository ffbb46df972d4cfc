import type { ActionEvent } from './action-event.js';
import type { Call, CallChange } from './call.js';
import type { DialRules } from './dial-rules.js';
import type { EventHub } from './event-hub.js';
import type { SnomlinkEvent } from './hub-event.js';
import type { LinePresence } from './line-presence.js';
import { reduceLine, type LineReducerOptions } from './line-reducer/reduce-line.js';
import { callById } from './line-reducer/step.js';
import {
  createLineState,
  type DirectoryNameInput,
  type LineInput,
  type LineState,
} from './line-state.js';

/** Options of {@link createLineModel}. */
export interface LineModelOptions {
  /** Changes are published here (and returned from `apply`). */
  readonly hub?: EventHub<SnomlinkEvent>;
  readonly dialRules?: DialRules;
  /** See {@link LineReducerOptions.staleCallTimeoutMs}. Default 4 h. */
  readonly staleCallTimeoutMs?: number;
  /** See {@link LineReducerOptions.setupTimeoutMs}. Default 5 min. */
  readonly setupTimeoutMs?: number;
  /** See {@link LineReducerOptions.logScanGraceMs}. Default 60 s. */
  readonly logScanGraceMs?: number;
  /** Called if the reducer hit an internal error (a bug); the event was then ignored. */
  readonly onError?: (error: unknown, input: LineInput) => void;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** The stateful shell around `reduceLine`: one LineState per phone, changes to the hub. */
export interface LineModel {
  /** Feeds one event to its phone's line; returns (and publishes) what changed. */
  apply(event: ActionEvent): readonly CallChange[];
  /** Lets stale calls on every line time out. Call it periodically (e.g. every second). */
  tick(): readonly CallChange[];
  /** Live calls, of one phone or all, oldest first. */
  liveCalls(phoneId?: string): readonly Call[];
  /** A live call by `Call.id`. */
  getCall(id: string): Call | undefined;
  /**
   * Gives a live call's party the name a directory found (a `directory-name` reducer input):
   * publishes one `call-info`, or nothing when the call ended or the party's number changed.
   */
  applyDirectoryName(input: Omit<DirectoryNameInput, 'kind' | 'phoneId'>): readonly CallChange[];
  /** Forgets a phone; its live calls finish with mode `unknown`. */
  removePhone(phoneId: string): readonly CallChange[];
  setDialRules(rules: DialRules): void;
  /** A line's presence (DND, forwarding, user, registration); undefined for a line never seen. */
  presence(phoneId: string): LinePresence | undefined;
  /** Every line seen so far with its presence, in first-seen order. */
  lines(): readonly { readonly phoneId: string; readonly presence: LinePresence }[];
  /**
   * Records the forwarding mode and target the PC wrote to the phone (its Action URLs cannot
   * say them); publishes a `line-presence` change when they differ from the known ones.
   */
  setForwardingTarget(phoneId: string, mode: string | null, target: string | null): void;
}

function byStart(a: Call, b: Call): number {
  return a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Creates the line model. Each change is published to `hub` as the SnomlinkEvent itself (the
 * CallChange object), in reducer order, then the step's `line-presence` changes. It does not publish `action-event` or `line-status`:
 * the daemon does that.
 */
export function createLineModel(options: LineModelOptions = {}): LineModel {
  const lines = new Map<string, LineState>();
  /** Call.id → phoneId of every live call, for getCall. */
  const index = new Map<string, string>();
  const now = options.now ?? Date.now;
  let dialRules = options.dialRules;

  function reducerOptions(): LineReducerOptions {
    return {
      ...(dialRules !== undefined && { dialRules }),
      ...(options.staleCallTimeoutMs !== undefined && {
        staleCallTimeoutMs: options.staleCallTimeoutMs,
      }),
      ...(options.setupTimeoutMs !== undefined && { setupTimeoutMs: options.setupTimeoutMs }),
      ...(options.logScanGraceMs !== undefined && { logScanGraceMs: options.logScanGraceMs }),
      ...(options.onError !== undefined && { onError: options.onError }),
    };
  }

  function step(phoneId: string, state: LineState, input: LineInput): readonly CallChange[] {
    const result = reduceLine(state, input, now(), reducerOptions());
    if (result.lineState !== state) lines.set(phoneId, result.lineState);
    for (const change of result.changes) {
      if (change.type === 'call-finished') index.delete(change.call.id);
      else if (change.type === 'call-state' && change.previousState === null) {
        index.set(change.call.id, phoneId);
      }
    }
    if (options.hub !== undefined) {
      for (const change of result.changes) options.hub.publish(change);
      for (const change of result.presenceChanges) options.hub.publish(change);
    }
    return result.changes;
  }

  return {
    apply(event: ActionEvent): readonly CallChange[] {
      const state = lines.get(event.phoneId) ?? createLineState(event.phoneId);
      if (!lines.has(event.phoneId)) lines.set(event.phoneId, state);
      return step(event.phoneId, state, event);
    },
    tick(): readonly CallChange[] {
      const all: CallChange[] = [];
      for (const [phoneId, state] of [...lines]) {
        if (Object.keys(state.calls).length === 0) continue;
        all.push(...step(phoneId, state, { kind: 'tick' }));
      }
      return all;
    },
    liveCalls(phoneId?: string): readonly Call[] {
      const states = phoneId === undefined ? [...lines.values()] : [lines.get(phoneId)];
      const calls: Call[] = [];
      for (const state of states)
        if (state !== undefined) calls.push(...Object.values(state.calls));
      return calls.sort(byStart);
    },
    getCall(id: string): Call | undefined {
      const phoneId = index.get(id);
      const state = phoneId === undefined ? undefined : lines.get(phoneId);
      return state === undefined ? undefined : callById(state.calls, id);
    },
    applyDirectoryName(input): readonly CallChange[] {
      const phoneId = index.get(input.callId);
      const state = phoneId === undefined ? undefined : lines.get(phoneId);
      if (phoneId === undefined || state === undefined) return [];
      return step(phoneId, state, { ...input, kind: 'directory-name', phoneId });
    },
    removePhone(phoneId: string): readonly CallChange[] {
      const state = lines.get(phoneId);
      if (state === undefined) return [];
      // A phone reboot ends every live call with mode `unknown`; removal means the same.
      const changes = step(phoneId, state, {
        phoneId,
        kind: 'setup',
        source: 'action-url',
        receivedAt: now(),
        params: {},
      });
      lines.delete(phoneId);
      return changes;
    },
    setDialRules(rules: DialRules): void {
      dialRules = rules;
    },
    presence(phoneId: string): LinePresence | undefined {
      return lines.get(phoneId)?.presence;
    },
    lines() {
      return [...lines].map(([phoneId, state]) => ({ phoneId, presence: state.presence }));
    },
    setForwardingTarget(phoneId: string, mode: string | null, target: string | null): void {
      const state = lines.get(phoneId) ?? createLineState(phoneId);
      if (!lines.has(phoneId)) lines.set(phoneId, state);
      step(phoneId, state, { kind: 'forwarding-target', phoneId, mode, target });
    },
  };
}
