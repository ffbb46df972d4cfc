import { ACTION_EVENT_KINDS, type ActionEvent } from '../action-event.js';
import type { CallChange } from '../call.js';
import { DEFAULT_DIAL_RULES, type DialRules } from '../dial-rules.js';
import type { LinePresenceChange } from '../line-presence.js';
import type { ForwardingTargetInput, LineInput, LineState } from '../line-state.js';
import { applyEvent } from './apply-event.js';
import { applyDirectoryName } from './directory-name.js';
import { applyForwardingTarget, applyPresence } from './presence.js';
import { closeStep, openStep } from './step.js';
import { endAll, expireStale, reportsNoCalls } from './timeouts.js';

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
  /**
   * Presence changes (DND, forwarding, user, registration) of this step, apart from `changes`
   * because they concern the line, not a call. At most one per step.
   */
  readonly presenceChanges: readonly LinePresenceChange[];
}

/** Default {@link LineReducerOptions.staleCallTimeoutMs}: 4 hours. */
export const DEFAULT_STALE_CALL_TIMEOUT_MS = 4 * 60 * 60 * 1000;
/** Default {@link LineReducerOptions.setupTimeoutMs}: 5 minutes. */
export const DEFAULT_SETUP_TIMEOUT_MS = 5 * 60 * 1000;
/** Default {@link LineReducerOptions.logScanGraceMs}: 60 seconds. */
export const DEFAULT_LOG_SCAN_GRACE_MS = 60 * 1000;

const KNOWN_KINDS: ReadonlySet<string> = new Set(ACTION_EVENT_KINDS);

function isForwardingTarget(input: LineInput): input is ForwardingTargetInput {
  return typeof input === 'object' && input.kind === 'forwarding-target';
}

function isActionEvent(input: LineInput): input is ActionEvent {
  return (
    typeof input === 'object' &&
    input.kind !== 'tick' &&
    input.kind !== 'forwarding-target' &&
    KNOWN_KINDS.has(input.kind) &&
    'params' in input &&
    typeof input.params === 'object'
  );
}

/**
 * The call state machine: a pure function of the line state, one input and the time.
 * Never throws; an event that changes nothing returns the same state and no changes.
 *
 * Every input first ends calls that saw no event for `setupTimeoutMs` (setup states) or
 * `staleCallTimeoutMs` (any state). A call that ends emits `call-state` → disconnected,
 * `call-state` → idle and `call-finished` in the same step and leaves `lineState.calls`. A
 * `directory-name` input only names a live call's party (one `call-info`).
 */
export function reduceLine(
  state: LineState,
  input: LineInput,
  now: number,
  options: LineReducerOptions = {},
): LineStep {
  try {
    const step = openStep(state, {
      now: Number.isFinite(now) ? now : 0,
      rules: options.dialRules ?? DEFAULT_DIAL_RULES,
      staleMs: options.staleCallTimeoutMs ?? DEFAULT_STALE_CALL_TIMEOUT_MS,
      setupMs: options.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS,
      graceMs: options.logScanGraceMs ?? DEFAULT_LOG_SCAN_GRACE_MS,
    });
    expireStale(step);
    if (isActionEvent(input) && input.phoneId === state.phoneId) {
      step.source = input.source;
      applyEvent(step, input);
      applyPresence(step, input);
      if (reportsNoCalls(input.kind, input.params.nrOngoingCalls)) endAll(step, null);
    } else if (input.kind === 'directory-name' && input.phoneId === state.phoneId) {
      applyDirectoryName(step, input);
    }
    if (isForwardingTarget(input) && input.phoneId === state.phoneId) {
      applyForwardingTarget(step, input);
    }
    if (!step.changed && step.changes.length === 0) {
      return { lineState: state, changes: [], presenceChanges: [] };
    }
    return {
      lineState: closeStep(step),
      changes: step.changes,
      presenceChanges: step.presenceChanges,
    };
  } catch (error) {
    try {
      options.onError?.(error, input);
    } catch {
      // The reporter failed too; still never throw.
    }
    return { lineState: state, changes: [], presenceChanges: [] };
  }
}
