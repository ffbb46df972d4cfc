import { PARAMETERLESS_EVENT_KINDS } from '@snomlink/core';

/** Action URL event kinds the simulator fires, named as the listener's paths. */
export type SimulatedEventKind =
  | 'setup'
  | 'incoming'
  | 'outgoing'
  | 'offhook'
  | 'onhook'
  | 'connected'
  | 'disconnected'
  | 'missed'
  | 'hold'
  | 'unhold'
  | 'blind-transfer'
  | 'dnd-on'
  | 'dnd-off'
  | 'redirection-on'
  | 'redirection-off';

/**
 * The phone setting that holds each event's Action URL (snom-protocol.md §1.2). Kept apart from
 * the listener's `ACTION_URL_SETTING_NAMES` on purpose: the simulator plays the phone, so a wrong
 * name on the writing side makes provisioning tests fail instead of agreeing with itself.
 */
export const ACTION_URL_SETTINGS: Readonly<Record<SimulatedEventKind, string>> = {
  setup: 'action_setup_url',
  incoming: 'action_incoming_url',
  outgoing: 'action_outgoing_url',
  offhook: 'action_offhook_url',
  onhook: 'action_onhook_url',
  connected: 'action_connected_url',
  disconnected: 'action_disconnected_url',
  missed: 'action_missed_url',
  hold: 'action_hold',
  unhold: 'action_unhold',
  'blind-transfer': 'action_blind_transfer',
  'dnd-on': 'action_dnd_on_url',
  'dnd-off': 'action_dnd_off_url',
  'redirection-on': 'action_redirection_on_url',
  'redirection-off': 'action_redirection_off_url',
};

/** The only events a 190-class (parameterless) phone fires. */
export const PARAMETERLESS_KINDS: readonly SimulatedEventKind[] = PARAMETERLESS_EVENT_KINDS;

/** One HTTP request the simulated phone received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, e.g. `/command.htm`. */
  readonly path: string;
  /** Raw query string without `?` ('' when none), exactly as received. */
  readonly query: string;
  /** Raw request target (`path?query`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** True when the request came over TLS. */
  readonly secure: boolean;
  /** Status the phone answered with. */
  readonly status: number;
  readonly remoteAddress: string | undefined;
  /** Epoch ms when the answer was sent. */
  readonly at: number;
}

/** One Action URL the simulated phone fired (or tried to). */
export interface FiredActionUrl {
  /** Increasing per phone. */
  readonly seq: number;
  readonly kind: SimulatedEventKind;
  /** The setting the template came from, e.g. `action_incoming_url`. */
  readonly setting: string;
  /** The call the event belongs to, null for hook events without a call. */
  readonly callId: string | null;
  /** The URL exactly as sent: its bytes as a latin1 string (UTF-8 text shows as `Ã¶`). */
  readonly url: string;
  /** The whole HTTP request as sent, latin1 string. */
  readonly request: string;
  /** The receiver's status code, null when the send failed. */
  readonly status: number | null;
  /** Why the send failed (`ECONNREFUSED`, `timeout after 2000 ms`, `blocked: …`), else null. */
  readonly error: string | null;
  /** Epoch ms when the event happened. */
  readonly at: number;
}

/** State of one call on a simulated phone. */
export type SimulatedCallState = 'ringing' | 'dialing' | 'connected' | 'held';

/** A call as tests see it. */
export interface SimulatedCall {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: SimulatedCallState;
  /** The far end's SIP URI, e.g. `sip:+4930123456@pbx.example` (`$remote` drops the `sip:`). */
  readonly remote: string;
  readonly display: string;
  /** DTMF digits sent during the call (`key_dtmf=` or keypad keys). */
  readonly dtmf: string;
  readonly startedAt: number;
  readonly connectedAt: number | null;
}

/** Faults to inject; each `setFault` call replaces the whole set (omitted = off). */
export interface PhoneFault {
  /** Refuse connections (the listening socket is closed; open connections are cut). */
  offline?: boolean;
  /** Wait this long before answering each request. */
  delayMs?: number;
  /** Answer every request with 500. */
  status500?: boolean;
  /** Answer plain-http requests with 307 to https on the same port. */
  requireHttps?: boolean;
  /** Answer every request with 200 and HTML junk. */
  garbage?: boolean;
  /**
   * A request that arrives while another is being answered gets incomplete headers and a closed
   * connection (the embedded server copes badly with concurrency; rostgaard/Phonio, Medium).
   */
  chokeOnConcurrent?: boolean;
}

/** An incoming call the phone did not ring for: DND refused it (486) or forwarding sent it on (302). */
export interface RefusedCall {
  readonly callId: string;
  /** The caller's SIP URI. */
  readonly remote: string;
  readonly reason: 'dnd' | 'forwarded';
  /** Where a forwarded call went; null for DND. */
  readonly target: string | null;
  /** Epoch ms. */
  readonly at: number;
}
