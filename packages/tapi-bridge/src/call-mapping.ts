import type { Call, CallState, DisconnectMode, PartyId } from '@snomlink/core';
import {
  LINEBUSYMODE,
  LINECALLFEATURE,
  LINECALLINFOSTATE,
  LINECALLORIGIN,
  LINECALLPARTYID,
  LINECALLREASON,
  LINECALLSTATE,
  LINECONNECTEDMODE,
  LINEDIALTONEMODE,
  LINEDISCONNECTMODE,
  LINEOFFERINGMODE,
  type LineCallStateValue,
} from './constants.js';

/** A core call state as TAPI sees it: LINE_CALLSTATE's dwParam1 (state) and dwParam2 (mode). */
export interface TapiCallState {
  /** `LINECALLSTATE_*` value. */
  readonly state: LineCallStateValue;
  /** The state detail (`LINECONNECTEDMODE_*`, `LINEDISCONNECTMODE_*`, …), 0 where TAPI has none. */
  readonly mode: number;
  /** `'CONNECTED'` etc., for logs and people. */
  readonly name: keyof typeof LINECALLSTATE;
}

/** Which core state maps to which LINECALLSTATE (a bijection on core's states). */
export const CORE_TO_LINECALLSTATE: Readonly<Record<CallState, keyof typeof LINECALLSTATE>> = {
  offering: 'OFFERING',
  accepted: 'ACCEPTED',
  dialtone: 'DIALTONE',
  dialing: 'DIALING',
  proceeding: 'PROCEEDING',
  ringback: 'RINGBACK',
  busy: 'BUSY',
  connected: 'CONNECTED',
  onhold: 'ONHOLD',
  disconnected: 'DISCONNECTED',
  idle: 'IDLE',
};

/** core's disconnect modes → `LINEDISCONNECTMODE_*`. */
export function toDisconnectMode(mode: DisconnectMode | null): number {
  switch (mode) {
    case 'normal':
      return LINEDISCONNECTMODE.NORMAL;
    case 'noanswer':
      return LINEDISCONNECTMODE.NOANSWER;
    case 'busy':
      return LINEDISCONNECTMODE.BUSY;
    case 'rejected':
      return LINEDISCONNECTMODE.REJECT;
    case 'cancelled':
      return LINEDISCONNECTMODE.CANCELLED;
    case 'unknown':
    case null:
      return LINEDISCONNECTMODE.UNKNOWN;
  }
}

/**
 * The LINECALLSTATE and mode of a core call. Modes: OFFERING → OFFERINGMODE_ACTIVE (the phone
 * rings), DIALTONE → DIALTONEMODE_UNKNOWN, BUSY → BUSYMODE_UNKNOWN, CONNECTED →
 * CONNECTEDMODE_ACTIVE, DISCONNECTED → the disconnect mode; 0 elsewhere.
 */
export function toTapiCallState(call: Pick<Call, 'state' | 'disconnectMode'>): TapiCallState {
  const name = CORE_TO_LINECALLSTATE[call.state];
  return { state: LINECALLSTATE[name], mode: stateMode(call.state, call.disconnectMode), name };
}

function stateMode(state: CallState, disconnect: DisconnectMode | null): number {
  switch (state) {
    case 'offering':
      return LINEOFFERINGMODE.ACTIVE;
    case 'dialtone':
      return LINEDIALTONEMODE.UNKNOWN;
    case 'busy':
      return LINEBUSYMODE.UNKNOWN;
    case 'connected':
      return LINECONNECTEDMODE.ACTIVE;
    case 'disconnected':
      return toDisconnectMode(disconnect ?? 'unknown');
    default:
      return 0;
  }
}

/** What a line can do, from its phone model (D8xx phones take no HTTP commands). */
export interface LineCapabilities {
  /** The phone accepts HTTP call-control commands. */
  readonly control: boolean;
}

/**
 * The `LINECALLFEATURE_*` mask allowed in a core state, i.e. which of lineAnswer, lineDrop,
 * lineHold, lineUnhold, lineBlindTransfer and lineGenerateDigits the bridge accepts. A line
 * without HTTP control (D8xx) allows nothing: it can only be monitored.
 */
export function callFeatures(
  state: CallState,
  capabilities: LineCapabilities = { control: true },
): number {
  if (!capabilities.control) return 0;
  const F = LINECALLFEATURE;
  switch (state) {
    case 'offering':
    case 'accepted':
      return F.ANSWER | F.DROP;
    case 'dialtone':
    case 'dialing':
    case 'proceeding':
    case 'ringback':
    case 'busy':
      return F.DROP;
    case 'connected':
      return F.DROP | F.HOLD | F.BLINDTRANSFER | F.GENERATEDIGITS;
    case 'onhold':
      return F.DROP | F.UNHOLD;
    // A disconnected call is already gone at the phone: a hang-up key press would hit whatever
    // other call is active, so the bridge refuses it. The call goes to IDLE by itself.
    case 'disconnected':
    case 'idle':
      return 0;
  }
}

/** One party of a call as LINECALLINFO carries it, plus the forms an application dials with. */
export interface LinePartyInfo {
  /** `LINECALLPARTYID_*` flags: ADDRESS and/or NAME, BLOCKED, or UNKNOWN. */
  readonly flags: number;
  /** The number as reported (user part of the SIP URI), null if unknown or withheld. */
  readonly number: string | null;
  /**
   * The caller-ID name TAPI shows: the phone's display name, else the directory's (the
   * directory's first when `preferDirectoryName`). Hostile input, never render as HTML.
   */
  readonly name: string | null;
  /** The name the phone sent, and the name an office directory gave the number (both kept). */
  readonly phoneName: string | null;
  readonly directoryName: string | null;
  /** TAPI canonical form `+49 (30) 1234567`, or the extension for internal numbers. */
  readonly canonical: string | null;
  /** E.164 for external numbers. */
  readonly e164: string | null;
  /** What to dial to reach this party again, through the dial rules (null if not dialable). */
  readonly dialable: string | null;
}

/** The LINECALLINFO of one call, as JSON. */
export interface LineCallInfo {
  /** The line (phone id). */
  readonly lineId: string;
  /** The call handle (hCall): core's stable `Call.id`. */
  readonly callId: string;
  /** dwCallID: the SIP Call-ID, unique on the switch; null while unknown. */
  readonly sipCallId: string | null;
  /** dwRelatedCallID; snom Action URLs do not link calls, so always null for now. */
  readonly relatedCallId: string | null;
  /** `LINECALLORIGIN_*`. */
  readonly origin: number;
  /** `LINECALLREASON_*`. */
  readonly reason: number;
  /** `LINECALLSTATE_*` and its mode (LINECALLSTATUS.dwCallState / dwCallStateMode). */
  readonly callState: number;
  readonly callStateMode: number;
  /** `'CONNECTED'` etc. */
  readonly callStateName: keyof typeof LINECALLSTATE;
  /** `LINECALLFEATURE_*` mask of what the bridge accepts now (LINECALLSTATUS.dwCallFeatures). */
  readonly callFeatures: number;
  readonly callerId: LinePartyInfo;
  readonly calledId: LinePartyInfo;
  readonly connectedId: LinePartyInfo;
  /** `LINEDISCONNECTMODE_*` once the call ended, else null. */
  readonly disconnectMode: number | null;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly connectedAt: number | null;
  readonly endedAt: number | null;
}

/** Turns a number into its dialable form; returns null when it cannot be dialled. */
export type DialableFn = (number: string) => string | null;

/** Options of {@link toLineCallInfo}. */
export interface LineCallInfoOptions {
  readonly dialable?: DialableFn;
  /** Show a directory name instead of the phone's (the daemon's `directory.overridePhoneName`). */
  readonly preferDirectoryName?: boolean;
  readonly capabilities?: LineCapabilities;
}

/** `LINECALLORIGIN_*` of a core call: OUTBOUND, else INTERNAL/EXTERNAL, else INBOUND/UNKNOWN. */
export function toCallOrigin(call: Pick<Call, 'direction' | 'locality'>): number {
  if (call.direction === 'outbound') return LINECALLORIGIN.OUTBOUND;
  if (call.direction === 'inbound') {
    if (call.locality === 'internal') return LINECALLORIGIN.INTERNAL;
    if (call.locality === 'external') return LINECALLORIGIN.EXTERNAL;
    return LINECALLORIGIN.INBOUND;
  }
  return LINECALLORIGIN.UNKNOWN;
}

/** `LINECALLREASON_*`: DIRECT when the direction is known (snom reports no forwarding), else UNKNOWN. */
export function toCallReason(call: Pick<Call, 'direction'>): number {
  return call.direction === 'unknown' ? LINECALLREASON.UNKNOWN : LINECALLREASON.DIRECT;
}

const UNKNOWN_PARTY: LinePartyInfo = {
  flags: LINECALLPARTYID.UNKNOWN,
  number: null,
  name: null,
  phoneName: null,
  directoryName: null,
  canonical: null,
  e164: null,
  dialable: null,
};

/** A core PartyId as a LINECALLINFO party, with `LINECALLPARTYID_*` flags and a dialable form. */
export function toPartyInfo(
  party: PartyId | null,
  dialable?: DialableFn,
  preferDirectoryName = false,
): LinePartyInfo {
  if (party === null) return UNKNOWN_PARTY;
  const phoneName = party.displayName === '' ? null : party.displayName;
  const directoryName = party.directoryName === '' ? null : party.directoryName;
  const name = preferDirectoryName ? (directoryName ?? phoneName) : (phoneName ?? directoryName);
  // core sets `anonymous` both for a withheld number and for "nothing reported" (parameterless
  // phones): only a party the phone did report (raw present) was withheld on purpose.
  const blocked = party.anonymous && party.raw !== null && party.raw !== '';
  let flags = 0;
  if (blocked) flags |= LINECALLPARTYID.BLOCKED;
  if (party.number !== null && !party.anonymous) flags |= LINECALLPARTYID.ADDRESS;
  if (name !== null) flags |= LINECALLPARTYID.NAME;
  if (flags === 0) flags = LINECALLPARTYID.UNKNOWN;
  const number = party.anonymous ? null : party.number;
  const source = party.e164 ?? number;
  let dial: string | null = null;
  if (source !== null && dialable !== undefined) {
    try {
      dial = dialable(source);
    } catch {
      dial = null;
    }
  }
  return {
    flags,
    number,
    name,
    phoneName,
    directoryName,
    canonical: party.anonymous ? null : party.canonical,
    e164: party.anonymous ? null : party.e164,
    dialable: dial,
  };
}

/** The LINECALLINFO of a core call. */
export function toLineCallInfo(call: Call, options: LineCallInfoOptions = {}): LineCallInfo {
  const tapi = toTapiCallState(call);
  const ended = call.state === 'disconnected' || call.state === 'idle';
  return {
    lineId: call.phoneId,
    callId: call.id,
    sipCallId: call.sipCallId,
    relatedCallId: null,
    origin: toCallOrigin(call),
    reason: toCallReason(call),
    callState: tapi.state,
    callStateMode: tapi.mode,
    callStateName: tapi.name,
    callFeatures: callFeatures(call.state, options.capabilities),
    callerId: toPartyInfo(call.callerId, options.dialable, options.preferDirectoryName),
    calledId: toPartyInfo(call.calledId, options.dialable, options.preferDirectoryName),
    connectedId: toPartyInfo(call.connectedId, options.dialable, options.preferDirectoryName),
    disconnectMode: ended ? toDisconnectMode(call.disconnectMode ?? 'unknown') : null,
    startedAt: call.startedAt,
    connectedAt: call.connectedAt,
    endedAt: call.endedAt,
  };
}

const FIELD_TO_INFOSTATE: Readonly<Partial<Record<keyof Call, number>>> = {
  sipCallId: LINECALLINFOSTATE.CALLID,
  direction: LINECALLINFOSTATE.ORIGIN,
  locality: LINECALLINFOSTATE.ORIGIN,
  callerId: LINECALLINFOSTATE.CALLERID,
  calledId: LINECALLINFOSTATE.CALLEDID,
  connectedId: LINECALLINFOSTATE.CONNECTEDID,
};

/** Changed core Call fields → the `LINECALLINFOSTATE_*` mask of LINE_CALLINFO (OTHER for the rest). */
export function toCallInfoState(fields: readonly (keyof Call)[]): number {
  let mask = 0;
  for (const field of fields) mask |= FIELD_TO_INFOSTATE[field] ?? LINECALLINFOSTATE.OTHER;
  return mask >>> 0;
}
