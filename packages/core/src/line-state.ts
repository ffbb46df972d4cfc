import type { ActionEvent } from './action-event.js';
import type { Call, CallDirection } from './call.js';
import { createLinePresence, type LinePresence } from './line-presence.js';

/**
 * A call that ended without a SIP Call-ID (parameterless phone) after its SIP dialog started:
 * the log scanner's record of it may still come (within `logScanGraceMs`) and then belongs to it.
 */
export interface UnboundEndedCall {
  readonly id: string;
  readonly direction: CallDirection;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms. */
  readonly endedAt: number;
}

/**
 * A call the parameterless phone's `incoming`/`outgoing` Action URL has not announced yet: it was
 * created by the log scan (which can be faster than the phone's Action URL) or by `offhook`
 * (dial tone). The announcement, when it comes, belongs to this call, also when it comes after
 * the log scan already ended the call (within `logScanGraceMs`).
 */
export interface UnannouncedCall {
  readonly id: string;
  readonly direction: CallDirection;
  /** Epoch ms when the call ended; null while it is live. */
  readonly endedAt: number | null;
}

/**
 * Per-phone line state held between events: everything the reducer knows, nothing hidden.
 * JSON-safe by design (plain objects, arrays, strings, numbers, booleans and null; no `Map`,
 * `Set` or `undefined`), so `JSON.parse(JSON.stringify(state))` is the same line: store it,
 * snapshot it or build it in a test and the reducer behaves identically.
 */
export interface LineState {
  readonly phoneId: string;
  /** Live calls (not yet idle), keyed by `Call.id`. */
  readonly calls: Readonly<Record<string, Call>>;
  /** Whether the handset is off hook as far as we know. */
  readonly offhook: boolean;
  /** Counter for synthetic call ids; part of the state so the reducer stays pure. */
  readonly nextSyntheticId: number;
  /**
   * Call ids and SIP Call-IDs of recently ended calls (the last 64), oldest first: late
   * events for them are no-ops.
   */
  readonly endedCallIds: readonly string[];
  /** Calls that ended without a SIP Call-ID, oldest first (the last 16 within the grace). */
  readonly unboundEnded: readonly UnboundEndedCall[];
  /** Calls a parameterless `incoming`/`outgoing` Action URL has yet to announce (the last 16). */
  readonly unannounced: readonly UnannouncedCall[];
  /**
   * When the log scan ended a call the phone must have gone off hook for (outbound, or
   * answered) before its `offhook` Action URL arrived: that `offhook` is still to come (within
   * the grace) and must not start a dial-tone call. Epoch ms, or null.
   */
  readonly hookDebtAt: number | null;
  /** DND, forwarding, logged-on user and registration, each with the time it changed. */
  readonly presence: LinePresence;
}

/** The parties of a call a directory can name. */
export type NamedParty = 'callerId' | 'calledId' | 'connectedId';

/**
 * A name an office directory found for one party of a live call (the daemon looks numbers up
 * in the background). Applied only while that party still has `number`, so a late answer for a
 * number the call no longer has changes nothing; an equal name is a no-op.
 */
export interface DirectoryNameInput {
  readonly kind: 'directory-name';
  readonly phoneId: string;
  /** `Call.id` of the live call. */
  readonly callId: string;
  readonly party: NamedParty;
  /** The party's `number` the lookup was made for. */
  readonly number: string;
  /** The directory's name for it; null removes a directory name. */
  readonly name: string | null;
}

/**
 * The forwarding mode and target the PC has just written to the phone: snom's Action URLs do not
 * carry them, so the daemon tells the line. Changes nothing else (the phone's `redirection-on` /
 * `redirection-off` says whether forwarding is on).
 */
export interface ForwardingTargetInput {
  readonly kind: 'forwarding-target';
  readonly phoneId: string;
  readonly mode: string | null;
  readonly target: string | null;
}

/**
 * Input to the reducer: a phone event, a clock tick that lets stale calls time out, a directory
 * name for a live call's party, or the forwarding target set from the PC.
 */
export type LineInput =
  ActionEvent | { readonly kind: 'tick' } | DirectoryNameInput | ForwardingTargetInput;

/** A fresh line with no calls. */
export function createLineState(phoneId: string): LineState {
  return {
    phoneId,
    calls: {},
    offhook: false,
    nextSyntheticId: 1,
    endedCallIds: [],
    unboundEnded: [],
    unannounced: [],
    hookDebtAt: null,
    presence: createLinePresence(),
  };
}
