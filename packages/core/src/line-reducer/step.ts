import type { EventSource } from '../action-event.js';
import type { Call, CallChange } from '../call.js';
import type { DialRules } from '../dial-rules.js';
import type { LinePresence, LinePresenceChange } from '../line-presence.js';
import type { LineState, UnannouncedCall, UnboundEndedCall } from '../line-state.js';

/** How many ended Call-IDs a line remembers so late duplicates stay no-ops. */
export const ENDED_MEMORY = 64;
/** How many ended calls a line keeps waiting for their late log record or Action URL. */
export const PENDING_MEMORY = 16;

/** The resolved reducer options a step runs with. */
export interface StepSettings {
  readonly now: number;
  readonly rules: DialRules;
  readonly staleMs: number;
  readonly setupMs: number;
  readonly graceMs: number;
}

/**
 * The mutable working copy of one reducer step: the line's fields (see {@link LineState}) plus
 * the changes emitted so far. Created from a LineState, turned back into one by `stepResult`;
 * nothing in it outlives the step.
 */
export interface Step extends StepSettings {
  readonly phoneId: string;
  calls: Record<string, Call>;
  ended: string[];
  offhook: boolean;
  nextSyntheticId: number;
  unboundEnded: UnboundEndedCall[];
  unannounced: UnannouncedCall[];
  hookDebtAt: number | null;
  presence: LinePresence;
  /** Source of the event being applied (null for ticks). */
  source: EventSource | null;
  /** Whether the line's fields changed (calls, hook, memories), even without a call change. */
  changed: boolean;
  readonly changes: CallChange[];
  /** Presence changes emitted so far (kept apart from call changes: they carry no call). */
  readonly presenceChanges: LinePresenceChange[];
}

/** Opens a step on `state`: arrays are copied so the step may change them in place. */
export function openStep(state: LineState, settings: StepSettings): Step {
  // Fields listed one by one, not spread: a spread followed by more fields gives V8 a
  // dictionary-mode object, which made every step about twice as slow (bench/core).
  return {
    now: settings.now,
    rules: settings.rules,
    staleMs: settings.staleMs,
    setupMs: settings.setupMs,
    graceMs: settings.graceMs,
    phoneId: state.phoneId,
    calls: state.calls,
    ended: [...state.endedCallIds],
    offhook: state.offhook,
    nextSyntheticId: state.nextSyntheticId,
    unboundEnded: [...state.unboundEnded],
    unannounced: [...state.unannounced],
    hookDebtAt: state.hookDebtAt,
    presence: state.presence,
    source: null,
    changed: false,
    changes: [],
    presenceChanges: [],
  };
}

/** Whether something that ended at `endedAt` is still within `logScanGraceMs`. */
export function withinGrace(step: Step, endedAt: number): boolean {
  return step.now - endedAt <= step.graceMs;
}

/** The line state a finished step leaves; memories past the grace window are dropped. */
export function closeStep(step: Step): LineState {
  return {
    phoneId: step.phoneId,
    calls: step.calls,
    offhook: step.offhook,
    nextSyntheticId: step.nextSyntheticId,
    endedCallIds: step.ended,
    // Entries past the grace window can never match again: drop them.
    unboundEnded: step.unboundEnded.filter((p) => withinGrace(step, p.endedAt)),
    unannounced: step.unannounced
      .filter((u) =>
        u.endedAt === null ? Object.hasOwn(step.calls, u.id) : withinGrace(step, u.endedAt),
      )
      .slice(-PENDING_MEMORY),
    hookDebtAt:
      step.hookDebtAt !== null && withinGrace(step, step.hookDebtAt) ? step.hookDebtAt : null,
    presence: step.presence,
  };
}

/** The live calls, oldest first. */
export function liveList(step: Step): Call[] {
  return Object.values(step.calls).sort((a, b) => a.startedAt - b.startedAt);
}

/** Stores a new version of a call. */
export function setCall(step: Step, call: Call): void {
  step.calls = { ...step.calls, [call.id]: call };
  step.changed = true;
}

/** Remembers ended ids so late events for them stay no-ops. */
export function remember(step: Step, ...ids: (string | null)[]): void {
  for (const id of ids) if (id !== null && !step.ended.includes(id)) step.ended.push(id);
  if (step.ended.length > ENDED_MEMORY) step.ended = step.ended.slice(-ENDED_MEMORY);
}

/**
 * The live call with this `Call.id`. An own-property check, not `calls[id]`: a Call-ID is
 * whatever the PBX sends, and `constructor` or `__proto__` must not find Object.prototype's.
 */
export function callById(calls: Readonly<Record<string, Call>>, id: string): Call | undefined {
  return Object.hasOwn(calls, id) ? calls[id] : undefined;
}

/** The live call with this `Call.id` or SIP Call-ID. */
export function findByCallId(step: Step, callId: string): Call | undefined {
  return (
    callById(step.calls, callId) ?? Object.values(step.calls).find((c) => c.sipCallId === callId)
  );
}

/** Sets the hook state, marking the line changed only when it differs. */
export function setOffhook(step: Step, offhook: boolean): void {
  if (step.offhook === offhook) return;
  step.offhook = offhook;
  step.changed = true;
}
