import * as v from 'valibot';
import { DISCONNECT_MODES } from './call.js';

/**
 * Every Action URL event kind the listener accepts, in the order of ARCHITECTURE section 2.
 * The kind is taken from the URL path, so parameterless phones (snom 190) deliver it too.
 */
export const ACTION_EVENT_KINDS = [
  'incoming',
  'outgoing',
  'offhook',
  'onhook',
  'connected',
  'disconnected',
  'missed',
  'hold',
  'unhold',
  'transfer',
  'blind-transfer',
  'attended-transfer',
  'dnd-on',
  'dnd-off',
  'redirection-on',
  'redirection-off',
  'setup',
  'reg-failed',
  'log-on',
  'log-off',
] as const;

/** One Action URL event kind, e.g. `incoming`. */
export type ActionEventKind = (typeof ACTION_EVENT_KINDS)[number];

/** The kinds a parameterless (snom 190-class) phone can send. */
export const PARAMETERLESS_EVENT_KINDS = ['incoming', 'outgoing', 'offhook', 'onhook'] as const;

/** Where an event came from: the phone's own Action URL, or our scan of its log. */
export const EVENT_SOURCES = ['action-url', 'log-scan'] as const;
/** Where an event came from (one of {@link EVENT_SOURCES}). */
export type EventSource = (typeof EVENT_SOURCES)[number];

/** valibot schema of an Action URL event kind. */
export const actionEventKindSchema = v.picklist(ACTION_EVENT_KINDS);

/**
 * The snom runtime variables the listener passes on, already decoded and with literal
 * unexpanded `$variables` removed. All optional: which ones arrive depends on model and event.
 */
export const actionEventParamsSchema = v.object({
  /** `$call-id`: the SIP Call-ID. */
  callId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
  /** `$nr_ongoing_calls`: how many calls the phone has now. */
  nrOngoingCalls: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000))),
  /** `$active_user`: user part of the active identity. */
  activeUser: v.optional(v.pipe(v.string(), v.maxLength(512))),
  /** `$local`: the local party's SIP URI. */
  local: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  /** `$remote`: the remote party's SIP URI (caller on incoming, callee on outgoing). */
  remote: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  /** `$display_remote`: the remote party's display name. Hostile input: never render as HTML. */
  displayRemote: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  /**
   * Why a call ended, when the source knows (the log scanner sees `486 Busy Here`, `CANCEL`, …).
   * Not a snom variable; on `disconnected`, `missed` and `onhook` it sets the disconnect mode,
   * and `busy` on a call that never connected passes it through the `busy` state.
   */
  reason: v.optional(v.picklist(DISCONNECT_MODES)),
});
/** The parsed Action URL parameters of an event (see `actionEventParamsSchema`). */
export type ActionEventParams = v.InferOutput<typeof actionEventParamsSchema>;

/** valibot schema of one call event from a phone, whatever its source. */
export const actionEventSchema = v.object({
  phoneId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  kind: actionEventKindSchema,
  source: v.picklist(EVENT_SOURCES),
  /** Receive time, epoch milliseconds. */
  receivedAt: v.pipe(v.number(), v.finite(), v.minValue(0)),
  params: actionEventParamsSchema,
});

/** One call event from a phone: which phone, what happened, what it told us, and when. */
export type ActionEvent = v.InferOutput<typeof actionEventSchema>;

/** Validates an event, throwing a valibot `ValiError` on bad input. */
export function parseActionEvent(input: unknown): ActionEvent {
  return v.parse(actionEventSchema, input);
}

/** Validates an event without throwing: `{ success, output }` or `{ success: false, issues }`. */
export function safeParseActionEvent(input: unknown): v.SafeParseResult<typeof actionEventSchema> {
  return v.safeParse(actionEventSchema, input);
}
