import { ACTION_EVENT_KINDS, type ActionEvent, type ActionEventKind } from './action-event.js';
import { cleanDisplayName, parseAddress } from './address.js';
import type {
  Call,
  CallChange,
  CallLocality,
  CallState,
  DisconnectMode,
  FinishedCall,
  LineInput,
  LineState,
  PartyId,
} from './call.js';
import { DEFAULT_DIAL_RULES, normalizeNumber, type DialRules } from './dial-rules.js';

/** Options of {@link reduceLine}. */
export interface LineReducerOptions {
  /** Used to fill `canonical` and `e164` and to tell internal from external. */
  readonly dialRules?: DialRules;
  /** A live call with no event for this long ends (mode `unknown`) on the next input. Default 4 h. */
  readonly staleCallTimeoutMs?: number;
  /** A ringing/dialing call with no event for this long ends. Default 5 min. */
  readonly setupTimeoutMs?: number;
  /**
   * After a call without a SIP Call-ID ended, a `log-scan` incoming/outgoing event for an unknown
   * Call-ID within this time is taken as the late log record of that call and creates nothing.
   * Default 60 s.
   */
  readonly logScanGraceMs?: number;
  /**
   * Called if the reducer hit an internal error (a bug); it then returned the state unchanged.
   * Default: ignore (the reducer never throws).
   */
  readonly onError?: (error: unknown, input: LineInput) => void;
}

/** What one reducer step returns. */
export interface LineStep {
  readonly lineState: LineState;
  readonly changes: readonly CallChange[];
}

/** Default {@link LineReducerOptions.staleCallTimeoutMs}: 4 hours. */
export const DEFAULT_STALE_CALL_TIMEOUT_MS = 4 * 60 * 60 * 1000;
/** Default {@link LineReducerOptions.setupTimeoutMs}: 5 minutes. */
export const DEFAULT_SETUP_TIMEOUT_MS = 5 * 60 * 1000;
/** Default {@link LineReducerOptions.logScanGraceMs}: 60 seconds. */
export const DEFAULT_LOG_SCAN_GRACE_MS = 60 * 1000;

/** How many ended Call-IDs a line remembers so late duplicates stay no-ops. */
const ENDED_MEMORY = 64;
/** How many ended calls a line keeps waiting for their late log record or Action URL. */
const PENDING_MEMORY = 16;

/** States before the call is connected: they end after `setupTimeoutMs`. */
const SETUP_STATES: ReadonlySet<CallState> = new Set([
  'offering',
  'accepted',
  'dialtone',
  'dialing',
  'proceeding',
  'ringback',
  'busy',
]);

/** A `$nr_ongoing_calls` of 0 on these kinds is not trusted to mean "no calls" (a call starts). */
const COUNT_IGNORED_KINDS: ReadonlySet<ActionEventKind> = new Set([
  'incoming',
  'outgoing',
  'offhook',
  'connected',
  'hold',
  'unhold',
]);

const KNOWN_KINDS: ReadonlySet<string> = new Set(ACTION_EVENT_KINDS);

/** A fresh line with no calls. */
export function createLineState(phoneId: string): LineState {
  return { phoneId, calls: {}, offhook: false, nextSyntheticId: 1 };
}

/** The party of a call nobody reported yet. */
export const UNKNOWN_PARTY: PartyId = Object.freeze({
  number: null,
  displayName: null,
  canonical: null,
  e164: null,
  anonymous: true,
  raw: null,
});

/**
 * Builds a PartyId from a reported address (`$remote`, `$local`) and display name, filling the
 * canonical and E.164 forms through the dial rules. Never throws.
 */
export function partyFromAddress(
  raw: string | null | undefined,
  displayName: string | null | undefined,
  rules: DialRules = DEFAULT_DIAL_RULES,
): PartyId {
  const parsed = parseAddress(raw);
  const name = cleanDisplayName(displayName) ?? parsed.displayName;
  const rawText = typeof raw === 'string' && raw.trim() !== '' ? raw : null;
  if (parsed.user === null) {
    if (rawText === null && name === null) return UNKNOWN_PARTY;
    return { ...UNKNOWN_PARTY, displayName: name, raw: rawText };
  }
  const normalized = normalizeNumber(parsed.user, rules);
  return {
    number: parsed.user,
    displayName: name,
    canonical: normalized.success ? normalized.output.canonical : null,
    e164: normalized.success ? normalized.output.e164 : null,
    anonymous: false,
    raw: rawText,
  };
}

/** Internal when the party is an extension, external when it has an E.164 form. */
function localityOf(party: PartyId): CallLocality {
  if (party.e164 !== null) return 'external';
  if (party.canonical !== null && /^\d+$/.test(party.canonical)) return 'internal';
  return 'unknown';
}

function hasInfo(party: PartyId): boolean {
  return party.number !== null || party.displayName !== null || party.raw !== null;
}

/** Keeps what is known, adds what the new report knows more. */
function mergeParty(old: PartyId, next: PartyId): PartyId {
  if (!hasInfo(next)) return old;
  if (old.number === null) {
    if (next.number !== null) return { ...next, displayName: next.displayName ?? old.displayName };
    if (old.displayName === null && next.displayName !== null) {
      return { ...old, displayName: next.displayName, raw: old.raw ?? next.raw };
    }
    return old;
  }
  if (old.number === next.number && old.displayName === null && next.displayName !== null) {
    return { ...old, displayName: next.displayName };
  }
  return old;
}

function sameParty(a: PartyId | null, b: PartyId | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.number === b.number &&
    a.displayName === b.displayName &&
    a.canonical === b.canonical &&
    a.e164 === b.e164 &&
    a.anonymous === b.anonymous &&
    a.raw === b.raw
  );
}

/**
 * A call that ended without a SIP Call-ID (parameterless phone) after its SIP dialog started:
 * the log scanner's record of it may still come; that record then belongs to this call.
 */
interface UnboundEnded {
  readonly id: string;
  readonly direction: Call['direction'];
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * A call the parameterless phone's `incoming`/`outgoing` Action URL has not announced yet: it was
 * created by the log scan (which can be faster than the phone's Action URL) or by `offhook`
 * (dialtone). The announcement, when it comes, belongs to this call — also when it comes after
 * the log scan already ended the call (within `logScanGraceMs`).
 */
interface Unannounced {
  readonly id: string;
  readonly direction: Call['direction'];
  /** Null while the call is live. */
  readonly endedAt: number | null;
}

/** Mutable working copy of one step. */
interface Step {
  readonly now: number;
  readonly rules: DialRules;
  readonly staleMs: number;
  readonly setupMs: number;
  readonly graceMs: number;
  readonly phoneId: string;
  calls: Record<string, Call>;
  ended: string[];
  offhook: boolean;
  nextSyntheticId: number;
  unboundEnded: UnboundEnded[];
  unannounced: Unannounced[];
  /**
   * When the log scan ended a call the phone must have gone off hook for (outbound, or
   * answered) before its `offhook` Action URL arrived: that `offhook` is still to come and must
   * not start a dial-tone call.
   */
  hookDebtAt: number | null;
  /** Source of the event being applied (null for ticks). */
  source: ActionEvent['source'] | null;
  changed: boolean;
  readonly changes: CallChange[];
}

type ExtendedLineState = LineState & {
  /** Call ids and SIP Call-IDs of recently ended calls: late events for them are no-ops. */
  readonly endedCallIds?: readonly string[];
  /** Calls that ended without a SIP Call-ID, oldest first (see `logScanGraceMs`). */
  readonly unboundEnded?: readonly UnboundEnded[];
  /** Calls a parameterless `incoming`/`outgoing` Action URL has yet to announce. */
  readonly unannounced?: readonly Unannounced[];
  /** See `Step.hookDebtAt`. */
  readonly hookDebtAt?: number | null;
};

function liveList(step: Step): Call[] {
  return Object.values(step.calls).sort((a, b) => a.startedAt - b.startedAt);
}

function setCall(step: Step, call: Call): void {
  step.calls = { ...step.calls, [call.id]: call };
  step.changed = true;
}

function emitState(step: Step, call: Call, previousState: CallState | null): void {
  step.changes.push({ type: 'call-state', call, previousState });
}

/** Moves a call to a new state (one `call-state` change per state passed through). */
function moveTo(
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
function enrich(step: Step, call: Call, patch: Partial<Call>): Call {
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

function remember(step: Step, ...ids: (string | null)[]): void {
  for (const id of ids) if (id !== null && !step.ended.includes(id)) step.ended.push(id);
  if (step.ended.length > ENDED_MEMORY) step.ended = step.ended.slice(-ENDED_MEMORY);
}

/** Ends a call: `call-state` disconnected, `call-state` idle, `call-finished`, in this order. */
function finish(
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
function defaultMode(call: Call): DisconnectMode {
  if (call.connectedAt !== null) return 'normal';
  if (call.state === 'busy') return 'busy';
  if (call.state === 'dialtone') return 'normal';
  return 'noanswer';
}

function newCall(
  step: Step,
  sipCallId: string | null,
  fields: Pick<Call, 'direction' | 'callerId' | 'calledId'> & Partial<Call>,
): Call {
  let id = sipCallId;
  if (id === null || step.calls[id] !== undefined) {
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
function create(step: Step, call: Call, states: readonly CallState[]): Call {
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

const isState =
  (...states: CallState[]) =>
  (call: Call): boolean =>
    states.includes(call.state);

/** Newest call matching the first predicate that matches any, in priority order. */
function pick(
  calls: readonly Call[],
  ...predicates: ((call: Call) => boolean)[]
): Call | undefined {
  for (const predicate of predicates) {
    const matches = calls.filter(predicate);
    if (matches.length > 0) return matches[matches.length - 1];
  }
  return undefined;
}

/** Which live call an event without (or with an unknown) Call-ID means. */
function pickFor(kind: ActionEventKind, calls: readonly Call[]): Call | undefined {
  switch (kind) {
    case 'incoming':
      return pick(calls, (c) => c.state === 'offering' && c.direction !== 'outbound');
    case 'outgoing':
      return pick(
        calls,
        isState('dialtone'),
        (c) => c.direction !== 'inbound' && isState('dialing', 'proceeding', 'ringback')(c),
      );
    case 'offhook':
      return pick(calls, isState('offering', 'accepted'));
    case 'connected':
      return pick(
        calls,
        isState('offering', 'accepted', 'dialing', 'proceeding', 'ringback', 'dialtone'),
        isState('onhold'),
        isState('connected'),
      );
    case 'disconnected':
      return pick(
        calls,
        isState('connected'),
        isState('dialing', 'proceeding', 'ringback', 'busy', 'dialtone'),
        isState('offering', 'accepted'),
        isState('onhold'),
      );
    case 'missed':
      return pick(calls, isState('offering', 'accepted'));
    case 'hold':
      return pick(calls, isState('connected'), isState('onhold'));
    case 'unhold':
      return pick(calls, isState('onhold'), isState('connected'));
    case 'onhook':
    case 'transfer':
    case 'blind-transfer':
    case 'attended-transfer':
      return pick(
        calls,
        isState('connected', 'dialtone', 'dialing', 'proceeding', 'ringback', 'busy'),
      );
    default:
      return undefined;
  }
}

/** Adoption: an event carrying a new Call-ID may bind to a live call that has none yet. */
function adoptable(kind: ActionEventKind, calls: readonly Call[]): Call | undefined {
  const unbound = calls.filter((c) => c.sipCallId === null);
  if (unbound.length === 0) return undefined;
  if (kind === 'incoming') return pick(unbound, (c) => c.direction === 'inbound');
  if (kind === 'outgoing') return pick(unbound, (c) => c.direction === 'outbound');
  return pickFor(kind, unbound) ?? (unbound.length === 1 ? unbound[0] : undefined);
}

function adopt(kind: ActionEventKind, live: readonly Call[]): { readonly live: Call } | undefined {
  const adopted = adoptable(kind, live);
  return adopted === undefined ? undefined : { live: adopted };
}

function withinGrace(step: Step, endedAt: number): boolean {
  return step.now - endedAt <= step.graceMs;
}

/**
 * Which call a `log-scan` event with a Call-ID the line does not know belongs to: a live call
 * without Call-ID, or one that already ended without one (its record came late). The log lists
 * calls in the order they happened and the scanner reports them in that order, so for
 * incoming/outgoing the oldest waiting call of that direction wins — a late record of an ended
 * call must not bind to the next call that is ringing now.
 */
function bindLogScan(
  step: Step,
  kind: ActionEventKind,
  live: readonly Call[],
): { readonly live: Call } | { readonly ended: UnboundEnded } | undefined {
  const direction = kind === 'incoming' ? 'inbound' : kind === 'outgoing' ? 'outbound' : null;
  let oldestEnded: UnboundEnded | undefined;
  for (const p of step.unboundEnded) {
    if (!withinGrace(step, p.endedAt)) continue;
    if (direction !== null && p.direction !== direction) continue;
    if (oldestEnded === undefined || p.startedAt < oldestEnded.startedAt) oldestEnded = p;
  }
  if (direction === null) {
    return adopt(kind, live) ?? (oldestEnded === undefined ? undefined : { ended: oldestEnded });
  }
  // `live` is sorted oldest first.
  const waiting = live.find((c) => c.sipCallId === null && c.direction === direction);
  if (
    waiting !== undefined &&
    (oldestEnded === undefined || waiting.startedAt < oldestEnded.startedAt)
  )
    return { live: waiting };
  return oldestEnded === undefined ? undefined : { ended: oldestEnded };
}

/**
 * A parameterless `incoming`/`outgoing` Action URL (no Call-ID): the call it announces when the
 * log scan or `offhook` created that call first. `ended` when that call already ended (within
 * `logScanGraceMs`): the Action URL came late and changes nothing.
 */
function announcedCall(
  step: Step,
  direction: Call['direction'],
): { readonly live: Call } | { readonly ended: true } | undefined {
  for (const u of step.unannounced) {
    if (u.direction !== direction || u.endedAt !== null) continue;
    const call = step.calls[u.id];
    if (call === undefined) continue;
    step.unannounced = step.unannounced.filter((x) => x !== u);
    step.changed = true;
    return { live: call };
  }
  for (const u of step.unannounced) {
    if (u.direction !== direction || u.endedAt === null || !withinGrace(step, u.endedAt)) continue;
    step.unannounced = step.unannounced.filter((x) => x !== u);
    step.changed = true;
    return { ended: true };
  }
  return undefined;
}

function markUnannounced(step: Step, call: Call): void {
  step.unannounced = [
    ...step.unannounced,
    { id: call.id, direction: call.direction, endedAt: null },
  ].slice(-PENDING_MEMORY);
  step.changed = true;
}

/** Fields of a call recreated from an event for a Call-ID the line does not know. */
function recreatedFields(
  event: ActionEvent,
  rules: DialRules,
): Pick<Call, 'direction' | 'callerId' | 'calledId' | 'locality'> {
  const party = partyFromAddress(event.params.remote, event.params.displayRemote, rules);
  return {
    direction: 'unknown',
    callerId: party,
    calledId: partyFromAddress(event.params.local, null, rules),
    locality: localityOf(party),
  };
}

function findByCallId(step: Step, callId: string): Call | undefined {
  return step.calls[callId] ?? Object.values(step.calls).find((c) => c.sipCallId === callId);
}

/** Fields an event tells about its call's parties. */
function partiesFrom(
  event: ActionEvent,
  call: Call | null,
  rules: DialRules,
  newDirection?: Call['direction'],
): Partial<Call> {
  const { remote, local, displayRemote } = event.params;
  const remoteParty = partyFromAddress(remote, displayRemote, rules);
  const localParty = partyFromAddress(local, null, rules);
  const direction =
    call?.direction ?? newDirection ?? (event.kind === 'outgoing' ? 'outbound' : 'inbound');
  const patch: { -readonly [K in keyof Call]?: Call[K] } = {};
  if (direction === 'outbound') {
    if (call === null) {
      patch.calledId = remoteParty;
      patch.callerId = localParty;
    } else {
      patch.calledId = mergeParty(call.calledId, remoteParty);
      patch.callerId = mergeParty(call.callerId, localParty);
    }
  } else if (direction === 'inbound') {
    if (call === null) {
      patch.callerId = remoteParty;
      patch.calledId = localParty;
    } else {
      patch.callerId = mergeParty(call.callerId, remoteParty);
      patch.calledId = mergeParty(call.calledId, localParty);
    }
  } else if (call !== null) {
    // Direction unknown (created by an out-of-order event): the remote is the caller.
    patch.callerId = mergeParty(call.callerId, remoteParty);
    patch.calledId = mergeParty(call.calledId, localParty);
  }
  if (call !== null) {
    const remoteOf = direction === 'outbound' ? patch.calledId : patch.callerId;
    if (call.locality === 'unknown' && remoteOf !== undefined) {
      const locality = localityOf(remoteOf);
      if (locality !== 'unknown') patch.locality = locality;
    }
    if (call.connectedId !== null && !hasInfo(call.connectedId) && hasInfo(remoteParty)) {
      patch.connectedId = remoteParty;
    }
  }
  return patch;
}

function connectedPartyFor(call: Call, event: ActionEvent, rules: DialRules): PartyId {
  const party = partyFromAddress(event.params.remote, event.params.displayRemote, rules);
  if (hasInfo(party)) return party;
  return call.direction === 'outbound' ? call.calledId : call.callerId;
}

function expireStale(step: Step): void {
  for (const call of liveList(step)) {
    const idleFor = step.now - call.lastEventAt;
    if (SETUP_STATES.has(call.state) && idleFor >= step.setupMs) {
      finish(
        step,
        call,
        call.state === 'busy' ? 'busy' : call.direction === 'inbound' ? 'noanswer' : 'unknown',
      );
    } else if (idleFor >= step.staleMs) {
      finish(step, call, 'unknown');
    }
  }
}

function endAll(step: Step, mode: DisconnectMode | null): void {
  for (const call of liveList(step)) finish(step, call, mode ?? defaultMode(call));
}

function isActionEvent(input: LineInput): input is ActionEvent {
  return (
    typeof input === 'object' &&
    input.kind !== 'tick' &&
    KNOWN_KINDS.has(input.kind) &&
    'params' in input &&
    typeof input.params === 'object'
  );
}

/**
 * The end of a call this line never saw (e.g. live when the daemon restarted): the call appears
 * and finishes in the same step, so the journal has it. What happened before is unknown: it is
 * created in `disconnected`, `connectedAt` null, direction unknown (so never `missed`).
 */
function recreateFinished(step: Step, callId: string, event: ActionEvent): void {
  const call = create(step, newCall(step, callId, recreatedFields(event, step.rules)), [
    'disconnected',
  ]);
  finish(step, call, event.params.reason ?? 'unknown');
}

/** Creates a call of `direction` between the parties `event` names, moved through `states`. */
function createFromEvent(
  step: Step,
  event: ActionEvent,
  callId: string | null,
  direction: 'inbound' | 'outbound',
  states: readonly CallState[],
): Call {
  const parties = partiesFrom(event, null, step.rules, direction);
  return create(
    step,
    newCall(step, callId, {
      direction,
      callerId: parties.callerId ?? UNKNOWN_PARTY,
      calledId: parties.calledId ?? UNKNOWN_PARTY,
    }),
    states,
  );
}

/** Recreates an answered call this line never saw (the remote taken as the caller) in `state`. */
function recreateAnswered(
  step: Step,
  event: ActionEvent,
  callId: string | null,
  state: CallState,
): void {
  const fields = recreatedFields(event, step.rules);
  create(
    step,
    newCall(step, callId, { ...fields, connectedAt: step.now, connectedId: fields.callerId }),
    [state],
  );
}

function setOffhook(step: Step, offhook: boolean): void {
  if (step.offhook === offhook) return;
  step.offhook = offhook;
  step.changed = true;
}

function applyEvent(step: Step, event: ActionEvent): void {
  const { kind, params, source } = event;
  const callId = typeof params.callId === 'string' && params.callId !== '' ? params.callId : null;
  const live = liveList(step);
  let target: Call | undefined;
  if (callId !== null) {
    target = findByCallId(step, callId);
    if (target === undefined) {
      if (step.ended.includes(callId)) return; // late duplicate of a finished call
      const bound = source === 'log-scan' ? bindLogScan(step, kind, live) : adopt(kind, live);
      if (bound !== undefined && 'ended' in bound) {
        // The log tells us about a call we already ended without knowing its Call-ID: its
        // later events are duplicates.
        const ended = bound.ended;
        step.unboundEnded = step.unboundEnded.filter((p) => p !== ended);
        remember(step, callId);
        step.changed = true;
        return;
      }
      if (bound !== undefined) {
        target = enrich(step, bound.live, {
          sipCallId: callId,
          ...partiesFrom(event, bound.live, step.rules),
        });
      }
    }
    if (
      target !== undefined &&
      source === 'action-url' &&
      (kind === 'incoming' || kind === 'outgoing') &&
      step.unannounced.some((u) => u.id === target?.id)
    ) {
      // The phone announced the call itself, with its Call-ID.
      const id = target.id;
      step.unannounced = step.unannounced.filter((u) => u.id !== id);
      step.changed = true;
    }
  } else {
    // A parameterless `incoming` is a call of its own (a ringing call it announced already
    // may have ended unseen: the phone sends no Action URL when the caller gives up), unless
    // the log scan was faster and created its call first.
    target = kind === 'incoming' ? undefined : pickFor(kind, live);
    if (kind === 'incoming' || kind === 'outgoing') {
      const announced = announcedCall(step, kind === 'incoming' ? 'inbound' : 'outbound');
      if (announced !== undefined && 'ended' in announced) return;
      if (announced !== undefined) target = announced.live;
    }
  }

  const rules = step.rules;
  const info = (call: Call): Call => enrich(step, call, partiesFrom(event, call, rules));

  switch (kind) {
    case 'incoming': {
      if (target !== undefined) {
        info(target);
        return;
      }
      const call = createFromEvent(step, event, callId, 'inbound', ['offering']);
      if (source === 'log-scan') markUnannounced(step, call);
      return;
    }
    case 'outgoing': {
      if (target !== undefined) {
        const updated = info(target);
        if (updated.state === 'dialtone') {
          moveTo(step, updated, ['dialing', 'proceeding'], { direction: 'outbound' });
        }
        return;
      }
      const call = createFromEvent(step, event, callId, 'outbound', ['dialing', 'proceeding']);
      if (source === 'action-url') step.offhook = true;
      if (source === 'log-scan') markUnannounced(step, call);
      return;
    }
    case 'offhook': {
      const wasOffhook = step.offhook;
      setOffhook(step, true);
      if (target !== undefined && !isState('offering', 'accepted')(target)) {
        info(target);
        return;
      }
      if (target !== undefined) {
        // Lifting the handset while a call rings answers it.
        const updated = info(target);
        moveTo(step, updated, ['connected'], {
          connectedAt: updated.connectedAt ?? step.now,
          connectedId: updated.connectedId ?? connectedPartyFor(updated, event, rules),
        });
        return;
      }
      if (wasOffhook || live.some((c) => c.state !== 'onhold')) return;
      if (step.hookDebtAt !== null && withinGrace(step, step.hookDebtAt)) {
        // The late offhook of a call the log scan already ended: no new call.
        step.hookDebtAt = null;
        step.changed = true;
        return;
      }
      const call = createFromEvent(step, event, callId, 'outbound', ['dialtone']);
      // The phone's `outgoing` Action URL will announce this call once a number is dialled.
      markUnannounced(step, call);
      return;
    }
    case 'connected': {
      if (target === undefined) {
        // Out of order: connected before (or without) incoming/outgoing.
        recreateAnswered(step, event, callId, 'connected');
        return;
      }
      const updated = info(target);
      if (updated.state === 'connected') return;
      moveTo(step, updated, ['connected'], {
        connectedAt: updated.connectedAt ?? step.now,
        connectedId: updated.connectedId ?? connectedPartyFor(updated, event, rules),
      });
      return;
    }
    case 'disconnected': {
      if (target === undefined) {
        // A call this line never saw (e.g. live when the daemon restarted): journal it.
        if (callId !== null) recreateFinished(step, callId, event);
        return;
      }
      const updated = info(target);
      const reason = params.reason;
      if (reason === 'busy' && updated.connectedAt === null) {
        finish(step, updated, 'busy', ['busy']);
      } else {
        finish(step, updated, reason ?? defaultMode(updated));
      }
      return;
    }
    case 'missed': {
      if (target === undefined) {
        if (callId === null && live.length > 0) return; // the missed call is not one we know
        const call = createFromEvent(step, event, callId, 'inbound', ['offering']);
        finish(step, call, params.reason ?? 'noanswer');
        return;
      }
      const updated = info(target);
      if (updated.connectedAt !== null) return;
      finish(step, updated, params.reason ?? 'noanswer');
      return;
    }
    case 'hold':
    case 'unhold': {
      if (target === undefined) {
        if (callId === null) return; // nothing to recreate
        // A call this line never saw (e.g. live when the daemon restarted).
        recreateAnswered(step, event, callId, kind === 'hold' ? 'onhold' : 'connected');
        return;
      }
      const updated = info(target);
      if (kind === 'hold' && updated.state === 'connected') moveTo(step, updated, ['onhold']);
      if (kind === 'unhold' && updated.state === 'onhold') moveTo(step, updated, ['connected']);
      return;
    }
    case 'onhook': {
      setOffhook(step, false);
      if (callId !== null) {
        if (target !== undefined) finish(step, info(target), params.reason ?? defaultMode(target));
        else recreateFinished(step, callId, event);
        return;
      }
      const active = live.filter(
        isState('connected', 'dialtone', 'dialing', 'proceeding', 'ringback', 'busy'),
      );
      if (active.length > 0) {
        for (const call of active) finish(step, call, defaultMode(call));
        return;
      }
      // Nothing active: the caller gave up while it rang (parameterless phones).
      for (const call of live.filter(isState('offering', 'accepted')))
        finish(step, call, 'noanswer');
      return;
    }
    case 'setup':
      // The phone (re)booted: whatever we thought was live is gone.
      setOffhook(step, false);
      endAll(step, 'unknown');
      return;
    default:
      if (target !== undefined) info(target);
      return;
  }
}

/**
 * The call state machine: a pure function of the line state, one input and the time.
 * Never throws; an event that changes nothing returns the same state and no changes.
 *
 * Every input first ends calls that saw no event for `setupTimeoutMs` (setup states) or
 * `staleCallTimeoutMs` (any state). A call that ends emits `call-state` → disconnected,
 * `call-state` → idle and `call-finished` in the same step and leaves `lineState.calls`.
 */
export function reduceLine(
  state: LineState,
  input: LineInput,
  now: number,
  options: LineReducerOptions = {},
): LineStep {
  try {
    const extended = state as ExtendedLineState;
    const step: Step = {
      now: Number.isFinite(now) ? now : 0,
      rules: options.dialRules ?? DEFAULT_DIAL_RULES,
      staleMs: options.staleCallTimeoutMs ?? DEFAULT_STALE_CALL_TIMEOUT_MS,
      setupMs: options.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS,
      graceMs: options.logScanGraceMs ?? DEFAULT_LOG_SCAN_GRACE_MS,
      phoneId: state.phoneId,
      calls: state.calls,
      ended: [...(extended.endedCallIds ?? [])],
      offhook: state.offhook,
      nextSyntheticId: state.nextSyntheticId,
      unboundEnded: [...(extended.unboundEnded ?? [])],
      unannounced: [...(extended.unannounced ?? [])],
      hookDebtAt: extended.hookDebtAt ?? null,
      source: null,
      changed: false,
      changes: [],
    };
    expireStale(step);
    if (isActionEvent(input) && input.phoneId === state.phoneId) {
      step.source = input.source;
      applyEvent(step, input);
      const count = input.params.nrOngoingCalls;
      if (count === 0 && !COUNT_IGNORED_KINDS.has(input.kind)) endAll(step, null);
    }
    if (!step.changed && step.changes.length === 0) return { lineState: state, changes: [] };
    const lineState: ExtendedLineState = {
      phoneId: state.phoneId,
      calls: step.calls,
      offhook: step.offhook,
      nextSyntheticId: step.nextSyntheticId,
      endedCallIds: step.ended,
      // Entries past the grace window can never match again: drop them.
      unboundEnded: step.unboundEnded.filter((p) => withinGrace(step, p.endedAt)),
      unannounced: step.unannounced
        .filter((u) =>
          u.endedAt === null ? step.calls[u.id] !== undefined : withinGrace(step, u.endedAt),
        )
        .slice(-PENDING_MEMORY),
      hookDebtAt:
        step.hookDebtAt !== null && withinGrace(step, step.hookDebtAt) ? step.hookDebtAt : null,
    };
    return { lineState, changes: step.changes };
  } catch (error) {
    try {
      options.onError?.(error, input);
    } catch {
      // The reporter failed too; still never throw.
    }
    return { lineState: state, changes: [] };
  }
}
