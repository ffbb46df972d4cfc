import type { ActionEvent } from './action-event.js';
import type { CallChange, LineInput, LineState } from './call.js';
import type { DialRules } from './dial-rules.js';

export interface LineReducerOptions {
  /** Used to fill `canonical` and `e164` and to tell internal from external. */
  readonly dialRules?: DialRules;
  /** A live call with no event for this long ends (mode `unknown`) on the next input. Default 4 h. */
  readonly staleCallTimeoutMs?: number;
  /** A ringing/dialing call with no event for this long ends. Default 5 min. */
  readonly setupTimeoutMs?: number;
}

export interface LineStep {
  readonly lineState: LineState;
  readonly changes: readonly CallChange[];
}

/** A fresh line with no calls. */
export function createLineState(phoneId: string): LineState {
  return { phoneId, calls: {}, offhook: false, nextSyntheticId: 1 };
}

/**
 * The call state machine: a pure function of the line state, one input and the time.
 * Never throws; an event that changes nothing returns the same state and no changes.
 */
export function reduceLine(
  state: LineState,
  input: LineInput,
  now: number,
  options: LineReducerOptions = {},
): LineStep {
  void input;
  void now;
  void options;
  return { lineState: state, changes: [] };
}
