import type { Call, CallState, DisconnectMode, FinishedCall, PartyId } from '../call.js';
import { localityOf, sameParty } from '../party.js';
import { PENDING_MEMORY, remember, setCall, type Step } from './step.js';

function emitState(step: Step, call: Call, previousState: CallState | null): void {
  step.changes.push({ type: 'call-state', call, previousState });
}

/** Moves a call to a new state (one `call-state` change per state passed through). */
export function moveTo(
  step: Step,
  call: Call,
  states: readonly CallState[],
  patch: Partial<Call> = {},
): Call {
  if (states.every((state) => state === call.state)) return call;
  let current: Call = { ...call, ...patch, lastEventAt: step.now };
  for (const state of states) {
    if (current.state === state) continue;
    const previous = current.state;
    current = { ...current, state };
    emitState(step, current, previous);
  }
  setCall(step, current);
  return current;
}

/** Applies info fields, emitting one `call-info` listing the fields that changed. */
export function enrich(step: Step, call: Call, patch: Partial<Call>): Call {
  const fields: (keyof Call)[] = [];
  const next: Record<string, unknown> = { ...call };
  for (const key of Object.keys(patch) as (keyof Call)[]) {
    const before = call[key];
    const after = patch[key];
    const equal =
      key === 'callerId' || key === 'calledId' || key === 'connectedId'
        ? sameParty(before as PartyId | null, after as PartyId | null)
        : before === after;
    if (!equal) {
      fields.push(key);
      next[key] = after;
    }
  }
  if (fields.length === 0) return call;
  const updated = { ...(next as unknown as Call), lastEventAt: step.now };
  step.changes.push({ type: 'call-info', call: updated, fields });
  setCall(step, updated);
  return updated;
}

/** Ends a call: `call-state` disconnected, `call-state` idle, `call-finished`, in this order. */
export function finish(
  step: Step,
  call: Call,
  mode: DisconnectMode,
  via: readonly CallState[] = [],
): void {
  let current: Call = { ...call, lastEventAt: step.now };
  for (const state of via) {
    if (current.state === state) continue;
    const previous = current.state;
    current = { ...current, state };
    emitState(step, current, previous);
  }
  const disconnected: Call = {
    ...current,
    state: 'disconnected',
    disconnectMode: mode,
    endedAt: step.now,
  };
  if (current.state !== 'disconnected') emitState(step, disconnected, current.state);
  const idle: FinishedCall = {
    ...disconnected,
    state: 'idle',
    endedAt: step.now,
    missed: call.direction === 'inbound' && call.connectedAt === null,
  };
  emitState(step, idle, 'disconnected');
  step.changes.push({ type: 'call-finished', call: idle });
  const { [call.id]: _ended, ...rest } = step.calls;
  step.calls = rest;
  step.changed = true;
  remember(step, call.id, call.sipCallId);
  // A call that never left the dial tone had no SIP dialog: no log record will come for it.
  if (call.sipCallId === null && current.state !== 'dialtone') {
    step.unboundEnded = [
      ...step.unboundEnded,
      { id: call.id, direction: call.direction, startedAt: call.startedAt, endedAt: step.now },
    ].slice(-PENDING_MEMORY);
  }
  if (step.unannounced.some((u) => u.id === call.id)) {
    step.unannounced = step.unannounced
      .filter((u) => u.id !== call.id || current.state !== 'dialtone')
      .map((u) => (u.id === call.id ? { ...u, endedAt: step.now } : u));
  }
  if (
    step.source === 'log-scan' &&
    !step.offhook &&
    (call.direction === 'outbound' || call.connectedAt !== null)
  ) {
    step.hookDebtAt = step.now;
  }
}

/** The mode a call ends with when the event does not say. */
export function defaultMode(call: Call): DisconnectMode {
  if (call.connectedAt !== null) return 'normal';
  if (call.state === 'busy') return 'busy';
  if (call.state === 'dialtone') return 'normal';
  return 'noanswer';
}

/** A new call (not yet stored): its id is the SIP Call-ID, or a synthetic one if none or taken. */
export function newCall(
  step: Step,
  sipCallId: string | null,
  fields: Pick<Call, 'direction' | 'callerId' | 'calledId'> & Partial<Call>,
): Call {
  let id = sipCallId;
  if (id === null || Object.hasOwn(step.calls, id)) {
    id = `${step.phoneId}:${step.now.toString(36)}:${step.nextSyntheticId}`;
    step.nextSyntheticId += 1;
  }
  const remote = fields.direction === 'inbound' ? fields.callerId : fields.calledId;
  return {
    id,
    phoneId: step.phoneId,
    sipCallId,
    state: 'idle',
    locality: localityOf(remote),
    connectedId: null,
    disconnectMode: null,
    startedAt: step.now,
    connectedAt: null,
    endedAt: null,
    lastEventAt: step.now,
    ...fields,
  };
}

/** Creates a call and moves it through `states`, emitting a change for each (the first from null). */
export function create(step: Step, call: Call, states: readonly CallState[]): Call {
  let current = call;
  let previous: CallState | null = null;
  for (const state of states) {
    current = { ...current, state };
    emitState(step, current, previous);
    previous = state;
  }
  setCall(step, current);
  return current;
}
