import * as v from 'valibot';
import type { LineCallInfo } from './call-mapping.js';

/** JSON-RPC 2.0 error codes used on the wire. */
export const RPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** A TAPI operation was refused or failed; `error.data.lineErr` holds the `LINEERR_*`. */
  TAPI_ERROR: -32000,
} as const;

/** The version string `lineInitialize` reports; bump on incompatible protocol changes. */
export const TAPI_PROTOCOL_VERSION = '1.0';

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
const address = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(128));

/** valibot schemas of each method's `params` (always an object, by name). */
export const methodParamsSchemas = {
  lineInitialize: v.optional(v.object({})),
  lineOpen: v.object({ lineId: id }),
  lineClose: v.object({ lineId: id }),
  lineMakeCall: v.object({
    lineId: id,
    destAddress: address,
    /** SIP identity to dial from (snom `outgoing_uri`), optional. */
    identity: v.optional(v.pipe(v.string(), v.maxLength(256))),
  }),
  lineDrop: v.object({ callId: id }),
  lineAnswer: v.object({ callId: id }),
  lineHold: v.object({ callId: id }),
  lineUnhold: v.object({ callId: id }),
  lineBlindTransfer: v.object({ callId: id, destAddress: address }),
  lineGenerateDigits: v.object({
    callId: id,
    digits: v.pipe(v.string(), v.regex(/^[0-9*#A-Da-d]{1,64}$/, 'digits are 1-64 of 0-9 * # A-D')),
  }),
  lineGetCallInfo: v.object({ callId: id }),
  lineGetCalls: v.object({ lineId: id }),
  /**
   * Sets (or with `forwardList: null` or `[]` cancels) forwarding of the line. One entry is
   * supported: `forwardMode` UNCOND, BUSY or NOANSW (`LINEFORWARDMODE_*`) and a non-empty
   * `destAddress`. An UNCOND entry with an empty `destAddress` is DND (forward to nowhere), as
   * TAPI drivers commonly map it.
   */
  lineForward: v.object({
    lineId: id,
    forwardList: v.nullable(
      v.pipe(
        v.array(
          v.object({
            forwardMode: v.number(),
            destAddress: v.pipe(v.string(), v.trim(), v.maxLength(128)),
          }),
        ),
        v.maxLength(1, 'one forwarding entry is supported'),
      ),
    ),
  }),
  /** Extension: switches the line's do-not-disturb on or off. */
  lineSetDoNotDisturb: v.object({ lineId: id, enabled: v.boolean() }),
  /** Extension: the line's forwarding and DND (LINEADDRESSSTATUS-like). */
  lineGetAddressStatus: v.object({ lineId: id }),
} as const;

/** A method name of the TAPI JSON-RPC protocol. */
export type TapiMethod = keyof typeof methodParamsSchemas;
/** The `params` object of a method. */
export type TapiMethodParams<M extends TapiMethod> = v.InferInput<(typeof methodParamsSchemas)[M]>;

/** One line as `lineInitialize` lists it. */
export interface LineDevice {
  readonly lineId: string;
  readonly name: string;
  readonly model: string;
  /** `full` (Action URLs with parameters) or `parameterless` (snom 190-class). */
  readonly capabilityClass: 'full' | 'parameterless';
  /** False for phones that take no HTTP commands (D8xx): monitor only. */
  readonly canControl: boolean;
  readonly provisionOnOpen: boolean;
}

/** What each method resolves to. */
export interface TapiMethodResults {
  lineInitialize: { readonly apiVersion: string; readonly lines: readonly LineDevice[] };
  lineOpen: { readonly lineId: string; readonly calls: readonly LineCallInfo[] };
  lineClose: { readonly lineId: string };
  lineMakeCall: { readonly callId: string; readonly dialed: string; readonly info: LineCallInfo };
  lineDrop: { readonly callId: string };
  lineAnswer: { readonly callId: string };
  lineHold: { readonly callId: string };
  lineUnhold: { readonly callId: string };
  lineBlindTransfer: { readonly callId: string; readonly dialed: string };
  lineGenerateDigits: { readonly callId: string };
  lineGetCallInfo: LineCallInfo;
  lineGetCalls: { readonly lineId: string; readonly calls: readonly LineCallInfo[] };
  lineForward: { readonly lineId: string };
  lineSetDoNotDisturb: { readonly lineId: string; readonly enabled: boolean };
  lineGetAddressStatus: LineAddressStatus;
}

/** One forwarding entry (TAPI LINEFORWARD): `LINEFORWARDMODE_*` and where to. */
export interface LineForwardEntry {
  readonly forwardMode: number;
  /** '' for DND (forward to nowhere). */
  readonly destAddress: string;
}

/**
 * A line's forwarding and DND as TAPI shows them (LINEADDRESSSTATUS's forward list). DND is the
 * entry UNCOND → '' (forward to nowhere); `dnd` says it plainly too. null = not known yet.
 */
export interface LineAddressStatus {
  readonly lineId: string;
  readonly dnd: boolean | null;
  readonly forwarding: boolean | null;
  readonly forwardList: readonly LineForwardEntry[];
}

/**
 * The call operations offered alike by a bridge session (in process) and by the JSON-RPC client
 * (over the WebSocket): each resolves once the phone took the command.
 */
export interface TapiCallOperations {
  lineDrop(callId: string): Promise<TapiMethodResults['lineDrop']>;
  lineAnswer(callId: string): Promise<TapiMethodResults['lineAnswer']>;
  lineHold(callId: string): Promise<TapiMethodResults['lineHold']>;
  lineUnhold(callId: string): Promise<TapiMethodResults['lineUnhold']>;
  lineBlindTransfer(
    callId: string,
    destAddress: string,
  ): Promise<TapiMethodResults['lineBlindTransfer']>;
  lineGenerateDigits(
    callId: string,
    digits: string,
  ): Promise<TapiMethodResults['lineGenerateDigits']>;
}

/** LINE_CALLSTATE: a call changed state (dwParam1 = callState, dwParam2 = callStateMode). */
export interface LineCallStateParams {
  readonly lineId: string;
  readonly callId: string;
  readonly callState: number;
  readonly callStateMode: number;
  readonly callStateName: LineCallInfo['callStateName'];
  /** The LINECALLSTATE before, null for a new call. */
  readonly previousState: number | null;
  readonly callFeatures: number;
  /** The full LINECALLINFO after the change. */
  readonly info: LineCallInfo;
  /** Epoch ms when the bridge saw the change. */
  readonly at: number;
}

/** LINE_CALLINFO: call information changed; `infoState` is the LINECALLINFOSTATE mask. */
export interface LineCallInfoParams {
  readonly lineId: string;
  readonly callId: string;
  readonly infoState: number;
  /** Names of the changed core Call fields (callerId, connectedId, sipCallId, …). */
  readonly fields: readonly string[];
  readonly info: LineCallInfo;
  readonly at: number;
}

/** LINE_LINEDEVSTATE: the phone became reachable/unreachable, was reconfigured or removed. */
export interface LineDevStateParams {
  readonly lineId: string;
  /** `LINEDEVSTATE_*`: INSERVICE, OUTOFSERVICE, CONFIGCHANGE or REMOVED. */
  readonly devState: number;
  readonly status: 'reachable' | 'unreachable' | 'auth-failed' | 'reconfigured' | 'removed';
  readonly detail: string | null;
  readonly at: number;
}

/**
 * LINE_ADDRESSSTATE: the line's forwarding or DND changed (`addressState` = LINEADDRESSSTATE_FORWARD).
 */
export interface LineAddressStateParams extends LineAddressStatus {
  readonly addressState: number;
  readonly at: number;
}

/** A server → client notification. */
export type TapiNotification =
  | { readonly method: 'LINE_CALLSTATE'; readonly params: LineCallStateParams }
  | { readonly method: 'LINE_CALLINFO'; readonly params: LineCallInfoParams }
  | { readonly method: 'LINE_LINEDEVSTATE'; readonly params: LineDevStateParams }
  | { readonly method: 'LINE_ADDRESSSTATE'; readonly params: LineAddressStateParams };

/** `error.data` of a TAPI failure (JSON-RPC code -32000). */
export interface TapiErrorData {
  /** `LINEERR_INVALCALLSTATE` etc. */
  readonly lineErr: string;
  /** The unsigned LINEERR value, e.g. 2147483676 (0x8000001C). */
  readonly code: number;
  readonly operation: string;
  readonly lineId?: string;
  readonly callId?: string;
}
