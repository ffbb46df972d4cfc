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
  lastUnboundEndedAt: number | null;
  changed: boolean;
  readonly changes: CallChange[];
}

type ExtendedLineState = LineState & {
  /** Call ids and SIP Call-IDs of recently ended calls: late events for them are no-ops. */
  readonly endedCallIds?: readonly string[];
  /** When a call without SIP Call-ID last ended (see `logScanGraceMs`). */
  readonly lastUnboundEndedAt?: number | null;
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
  if (call.sipCallId === null) step.lastUnboundEndedAt = step.now;
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

function applyEvent(step: Step, event: ActionEvent): void {
  const { kind, params, source } = event;
  const callId = typeof params.callId === 'string' && params.callId !== '' ? params.callId : null;
  const live = liveList(step);
  let target: Call | undefined;
  if (callId !== null) {
    target = findByCallId(step, callId);
    if (target === undefined) {
      if (step.ended.includes(callId)) return; // late duplicate of a finished call
      const adopted = adoptable(kind, live);
      if (adopted !== undefined) {
        target = enrich(step, adopted, {
          sipCallId: callId,
          ...partiesFrom(event, adopted, step.rules),
        });
      } else if (
        source === 'log-scan' &&
        step.lastUnboundEndedAt !== null &&
        step.now - step.lastUnboundEndedAt <= step.graceMs
      ) {
        // The log tells us about a call we already ended without knowing its Call-ID.
        remember(step, callId);
        return;
      }
    }
  } else {
    target = pickFor(kind, live);
  }

  const rules = step.rules;
  const info = (call: Call): Call => enrich(step, call, partiesFrom(event, call, rules));

  switch (kind) {
    case 'incoming': {
      if (target !== undefined) {
        info(target);
        return;
      }
      const parties = partiesFrom(event, null, rules);
      create(
        step,
        newCall(step, callId, {
          direction: 'inbound',
          callerId: parties.callerId ?? UNKNOWN_PARTY,
          calledId: parties.calledId ?? UNKNOWN_PARTY,
        }),
        ['offering'],
      );
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
      const parties = partiesFrom(event, null, rules);
      create(
        step,
        newCall(step, callId, {
          direction: 'outbound',
          callerId: parties.callerId ?? UNKNOWN_PARTY,
          calledId: parties.calledId ?? UNKNOWN_PARTY,
        }),
        ['dialing', 'proceeding'],
      );
      if (source === 'action-url') step.offhook = true;
      return;
    }
    case 'offhook': {
      const wasOffhook = step.offhook;
      if (!wasOffhook) {
        step.offhook = true;
        step.changed = true;
      }
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
      const parties = partiesFrom(event, null, rules, 'outbound');
      create(
        step,
        newCall(step, callId, {
          direction: 'outbound',
          callerId: parties.callerId ?? UNKNOWN_PARTY,
          calledId: parties.calledId ?? UNKNOWN_PARTY,
        }),
        ['dialtone'],
      );
      return;
    }
    case 'connected': {
      if (target === undefined) {
        // Out of order: connected before (or without) incoming/outgoing.
        const party = partyFromAddress(params.remote, params.displayRemote, rules);
        create(
          step,
          newCall(step, callId, {
            direction: 'unknown',
            callerId: party,
            calledId: partyFromAddress(params.local, null, rules),
            locality: localityOf(party),
            connectedAt: step.now,
            connectedId: party,
          }),
          ['connected'],
        );
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
      if (target === undefined) return;
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
        const parties = partiesFrom(event, null, rules);
        const call = create(
          step,
          newCall(step, callId, {
            direction: 'inbound',
            callerId: parties.callerId ?? UNKNOWN_PARTY,
            calledId: parties.calledId ?? UNKNOWN_PARTY,
          }),
          ['offering'],
        );
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
      if (target === undefined) return;
      const updated = info(target);
      if (kind === 'hold' && updated.state === 'connected') moveTo(step, updated, ['onhold']);
      if (kind === 'unhold' && updated.state === 'onhold') moveTo(step, updated, ['connected']);
      return;
    }
    case 'onhook': {
      if (step.offhook) {
        step.offhook = false;
        step.changed = true;
      }
      if (callId !== null) {
        if (target !== undefined) finish(step, info(target), params.reason ?? defaultMode(target));
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
      if (step.offhook) {
        step.offhook = false;
        step.changed = true;
      }
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
      lastUnboundEndedAt: extended.lastUnboundEndedAt ?? null,
      changed: false,
      changes: [],
    };
    expireStale(step);
    if (isActionEvent(input) && input.phoneId === state.phoneId) {
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
      lastUnboundEndedAt: step.lastUnboundEndedAt,
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
