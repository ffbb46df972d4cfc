/**
 * valibot schemas and inferred types of every body the admin REST API and its SSE stream
 * send or accept. Browser-safe (valibot + core only): apps/web-ui imports these through
 * `@snomlink/daemon/api`. The OpenAPI document at `/api/openapi.json` is generated from them.
 */
import * as v from 'valibot';
import { directorySourceHealthSchema } from './directory-schemas.js';
import {
  ACTION_EVENT_KINDS,
  CALL_STATES,
  DISCONNECT_MODES,
  actionEventSchema,
  dialRulesSchema,
} from '@snomlink/core';
import type { Call, FinishedCall, LinePresence, LineStatusChange } from '@snomlink/core';

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** A phone id: used in Action URL paths, so URL-safe: letters, digits, `-`, `_`, 1-64 chars. */
export const phoneIdSchema = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'id is 1-64 letters, digits, "-" or "_", starting with a letter or digit, e.g. "desk-201"',
  ),
);

/** `address[:port]` of a phone or server, without scheme or path, e.g. `192.168.1.20` or `127.0.0.2:8080`. */
export const hostPortSchema = v.pipe(
  v.string(),
  v.regex(
    /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
    'host is "address" or "address:port" without scheme or path, e.g. "192.168.1.20"',
  ),
);

/** `http` or `https` towards the phone. */
export const phoneSchemeSchema = v.picklist(['http', 'https']);
/** HTTP auth scheme towards the phone; `auto` answers whatever the phone's 401 asks for. */
export const phoneAuthSchema = v.picklist(['basic', 'digest', 'auto']);
/** `full` (runtime variables, connected/disconnected) or `parameterless` (snom 190/200/220). */
export const capabilityClassSchema = v.picklist(['full', 'parameterless']);

/** Every error answer of the admin API: a short machine-readable code and a human sentence. */
export const errorBodySchema = v.object({
  /** Short code, e.g. `not-found`, `validation`, `phone-unreachable`, `unauthorized`. */
  error: v.string(),
  /** What went wrong and what to do about it. */
  detail: v.string(),
});
/** Every error answer of the admin API. */
export type ErrorBody = v.InferOutput<typeof errorBodySchema>;

// ---------------------------------------------------------------------------------------------
// Phones

/** Last result of the periodic health check of one phone. */
export const phoneHealthSchema = v.object({
  status: v.picklist(['unknown', 'reachable', 'unreachable', 'auth-failed']),
  /** Reason of the last failure (never holds a secret), null when fine. */
  detail: v.nullable(v.string()),
  /** Epoch ms of the last check, null before the first. */
  checkedAt: v.nullable(v.number()),
  /** Model, firmware and MAC as the phone reported them on the last successful check. */
  model: v.nullable(v.string()),
  firmware: v.nullable(v.string()),
  mac: v.nullable(v.string()),
});
/** Last result of the periodic health check of one phone. */
export type PhoneHealth = v.InferOutput<typeof phoneHealthSchema>;

/**
 * A line's presence (core `LinePresence`): DND, forwarding, logged-on user and registration,
 * each null until the phone reported it, with the epoch ms it changed.
 */
export const linePresenceSchema = v.object({
  dnd: v.nullable(v.boolean()),
  dndChangedAt: v.nullable(v.number()),
  forwarding: v.nullable(v.boolean()),
  /** `always`, `busy`, `timeout` as last set from the PC (the phone does not report it). */
  forwardingMode: v.nullable(v.string()),
  /** The forwarding target as last set from the PC (the phone does not report it). */
  forwardingTarget: v.nullable(v.string()),
  forwardingChangedAt: v.nullable(v.number()),
  user: v.nullable(v.string()),
  loggedOn: v.nullable(v.boolean()),
  userChangedAt: v.nullable(v.number()),
  registered: v.nullable(v.boolean()),
  registrationChangedAt: v.nullable(v.number()),
});
/** A line's presence as the API returns it. */
export type LinePresenceView = v.InferOutput<typeof linePresenceSchema>;

/** A configured phone as the API returns it: never the password, never the Action URL secret. */
export const phoneViewSchema = v.object({
  id: phoneIdSchema,
  name: v.string(),
  host: v.string(),
  scheme: phoneSchemeSchema,
  username: v.nullable(v.string()),
  /** Whether a password is stored (the password itself is never returned). */
  hasPassword: v.boolean(),
  auth: phoneAuthSchema,
  /** snom model name, e.g. `snom360`, `snom190`, `D785`. */
  model: v.string(),
  /** Function key / line the daemon drives (1-based), informational for multi-line phones. */
  line: v.number(),
  /** Scan the phone's log for call details (default: on for parameterless models). */
  logScan: v.boolean(),
  /** Write the Action URLs when a TAPI client opens the line and remove them on close. */
  provisionOnOpen: v.boolean(),
  /** Capability class derived from `model`. */
  capabilities: capabilityClassSchema,
  /** The phone's web UI address (no credentials), for a "configure on phone" link. */
  webConfigUrl: v.string(),
  health: phoneHealthSchema,
  /** DND, forwarding, user and registration as the phone last reported them. */
  presence: linePresenceSchema,
});
/** A configured phone as the API returns it. */
export type PhoneView = v.InferOutput<typeof phoneViewSchema>;

/** Body of `POST /api/phones` (create). Omitted fields take their defaults. */
export const phoneInputSchema = v.object({
  id: phoneIdSchema,
  name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  host: hostPortSchema,
  scheme: v.optional(phoneSchemeSchema),
  username: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
  /** Write-only. */
  password: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
  auth: v.optional(phoneAuthSchema),
  model: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64))),
  logScan: v.optional(v.boolean()),
  provisionOnOpen: v.optional(v.boolean()),
});
/** Body of `POST /api/phones`. */
export type PhoneInput = v.InferInput<typeof phoneInputSchema>;

/**
 * Body of `PUT /api/phones/{id}`: any subset of the fields. `password` omitted keeps the stored
 * one, `null` or `""` clears it. The id cannot change (delete and re-add instead).
 */
export const phoneUpdateSchema = v.partial(v.omit(phoneInputSchema, ['id']));
/** Body of `PUT /api/phones/{id}`. */
export type PhoneUpdate = v.InferInput<typeof phoneUpdateSchema>;

/** Answer of `GET /api/phones`. */
export const phoneListSchema = v.object({ phones: v.array(phoneViewSchema) });
/** Answer of `GET /api/phones`. */
export type PhoneList = v.InferOutput<typeof phoneListSchema>;

/** Answer of `POST /api/phones/{id}/test`: can we reach it, does our login work, what is it. */
export const phoneTestResultSchema = v.object({
  reachable: v.boolean(),
  authOk: v.boolean(),
  model: v.nullable(v.string()),
  firmware: v.nullable(v.string()),
  mac: v.nullable(v.string()),
  /** Why not, when something failed. */
  error: v.optional(v.string()),
});
/** Answer of `POST /api/phones/{id}/test`. */
export type PhoneTestResult = v.InferOutput<typeof phoneTestResultSchema>;

/** Answer of `GET /api/phones/{id}/action-urls`: the settings provisioning writes. */
export const actionUrlsViewSchema = v.object({
  phoneId: phoneIdSchema,
  capabilities: capabilityClassSchema,
  /** Setting name (`action_incoming_url`, …) → URL, secrets included (admin only). */
  urls: v.record(v.string(), v.string()),
});
/** Answer of `GET /api/phones/{id}/action-urls`. */
export type ActionUrlsView = v.InferOutput<typeof actionUrlsViewSchema>;

/** One setting written during provisioning and whether reading it back matched. */
export const provisionedSettingSchema = v.object({
  setting: v.string(),
  url: v.string(),
  /** The phone's stored value equals what we wrote. */
  accepted: v.boolean(),
  /** What the phone reported instead, when it differs (absent when not readable). */
  actual: v.optional(v.string()),
});
/** One provisioned setting. */
export type ProvisionedSetting = v.InferOutput<typeof provisionedSettingSchema>;

/** Answer of `POST|DELETE /api/phones/{id}/provision`. */
export const provisionResultSchema = v.object({
  phoneId: phoneIdSchema,
  /** `write` for provision, `remove` for un-provision. */
  action: v.picklist(['write', 'remove']),
  /** Every setting took. */
  ok: v.boolean(),
  written: v.array(provisionedSettingSchema),
  /** Set when the settings could not be read back (the write itself succeeded). */
  verifyError: v.optional(v.string()),
});
/** Answer of `POST|DELETE /api/phones/{id}/provision`. */
export type ProvisionResult = v.InferOutput<typeof provisionResultSchema>;

/** Body of `POST /api/phones/{id}/dial`. */
export const dialRequestSchema = v.object({
  /** Free form or canonical; dial rules turn it into what the phone must dial. */
  number: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** Optional SIP identity (`outgoing_uri`) to dial from. */
  identity: v.optional(v.pipe(v.string(), v.maxLength(256))),
});
/** Body of `POST /api/phones/{id}/dial`. */
export type DialRequest = v.InferOutput<typeof dialRequestSchema>;

/** Answer of `POST /api/phones/{id}/dial`. */
export const dialResultSchema = v.object({
  phoneId: phoneIdSchema,
  /** What the user asked for. */
  requested: v.string(),
  /** What the phone was told to dial, after dial rules. */
  dialed: v.string(),
});
/** Answer of `POST /api/phones/{id}/dial`. */
export type DialResult = v.InferOutput<typeof dialResultSchema>;

// ---------------------------------------------------------------------------------------------
// Calls

/** One party of a call (core PartyId). */
export const partyIdSchema = v.object({
  number: v.nullable(v.string()),
  /** Display name as the phone sent it. */
  displayName: v.nullable(v.string()),
  /** The name an office directory gave the number (added after the call appeared), or null. */
  directoryName: v.nullable(v.string()),
  canonical: v.nullable(v.string()),
  e164: v.nullable(v.string()),
  anonymous: v.boolean(),
  raw: v.nullable(v.string()),
});

/** A live call as the API returns it: exactly core's `Call`. */
export const callViewSchema = v.object({
  id: v.string(),
  phoneId: v.string(),
  sipCallId: v.nullable(v.string()),
  state: v.picklist(CALL_STATES),
  direction: v.picklist(['inbound', 'outbound', 'unknown']),
  locality: v.picklist(['internal', 'external', 'unknown']),
  callerId: partyIdSchema,
  calledId: partyIdSchema,
  connectedId: v.nullable(partyIdSchema),
  disconnectMode: v.nullable(v.picklist(DISCONNECT_MODES)),
  startedAt: v.number(),
  connectedAt: v.nullable(v.number()),
  endedAt: v.nullable(v.number()),
  lastEventAt: v.number(),
});
/** A live call (core `Call`). */
export type CallView = v.InferOutput<typeof callViewSchema>;

/** Answer of `GET /api/calls`. */
export const callListSchema = v.object({ calls: v.array(callViewSchema) });
/** Answer of `GET /api/calls`. */
export type CallList = v.InferOutput<typeof callListSchema>;

/** Call commands: `POST /api/calls/{callId}/{command}`. */
export const CALL_COMMANDS = ['drop', 'answer', 'hold', 'unhold'] as const;
/** A call command. */
export type CallCommand = (typeof CALL_COMMANDS)[number];

/** Answer of a call command. */
export const callCommandResultSchema = v.object({
  callId: v.string(),
  phoneId: v.string(),
  command: v.picklist(CALL_COMMANDS),
});
/** Answer of a call command. */
export type CallCommandResult = v.InferOutput<typeof callCommandResultSchema>;

// ---------------------------------------------------------------------------------------------
// Journal

/** One finished call in the journal. */
export const journalEntrySchema = v.object({
  /** Row id, increasing; use as `before` to page back. */
  id: v.number(),
  callId: v.string(),
  sipCallId: v.nullable(v.string()),
  phoneId: v.string(),
  direction: v.picklist(['inbound', 'outbound', 'unknown']),
  locality: v.picklist(['internal', 'external', 'unknown']),
  /** The far end: caller for inbound, callee for outbound. */
  remoteNumber: v.nullable(v.string()),
  remoteCanonical: v.nullable(v.string()),
  /** The name the phone sent for the far end. */
  remoteName: v.nullable(v.string()),
  /** The name an office directory gave the far end's number (both are kept). */
  remoteDirectoryName: v.nullable(v.string()),
  callerNumber: v.nullable(v.string()),
  callerCanonical: v.nullable(v.string()),
  callerName: v.nullable(v.string()),
  callerDirectoryName: v.nullable(v.string()),
  calledNumber: v.nullable(v.string()),
  calledCanonical: v.nullable(v.string()),
  calledName: v.nullable(v.string()),
  calledDirectoryName: v.nullable(v.string()),
  /** Epoch ms. */
  startedAt: v.number(),
  connectedAt: v.nullable(v.number()),
  endedAt: v.number(),
  /** Talk time in ms (0 when never connected). */
  durationMs: v.number(),
  disconnectMode: v.nullable(v.picklist(DISCONNECT_MODES)),
  missed: v.boolean(),
});
/** One finished call in the journal. */
export type JournalEntry = v.InferOutput<typeof journalEntrySchema>;

/** Answer of `GET /api/journal`: newest first; pass `nextBefore` as `before` for the next page. */
export const journalPageSchema = v.object({
  entries: v.array(journalEntrySchema),
  /** null when there are no older entries. */
  nextBefore: v.nullable(v.number()),
});
/** Answer of `GET /api/journal`. */
export type JournalPage = v.InferOutput<typeof journalPageSchema>;

/** Query of `GET /api/journal` (all strings, as in the URL). */
export const journalQuerySchema = v.object({
  /** 1-500, default 50. */
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/))),
  /** Only rows with `id` lower than this. */
  before: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/))),
  phone: v.optional(v.string()),
  direction: v.optional(v.picklist(['inbound', 'outbound', 'unknown'])),
  /** `true` or `false`. */
  missed: v.optional(v.picklist(['true', 'false'])),
  /** Substring of a number or display name. */
  q: v.optional(v.pipe(v.string(), v.maxLength(100))),
});
/** Query of `GET /api/journal`. */
export type JournalQuery = v.InferOutput<typeof journalQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Dialing, listener, webhooks, health

/** Body and answer of `GET|PUT /api/dialing` (core `DialRules`). */
export const dialingRulesSchema = dialRulesSchema;
/** Dial rules (core `DialRules`). */
export type DialingRules = v.InferOutput<typeof dialingRulesSchema>;

/** Answer of `GET /api/listener` and `POST /api/listener/start|stop`. */
export const listenerStatusSchema = v.object({
  state: v.picklist(['active', 'inactive']),
  /** Bound address (configured one when inactive). */
  host: v.string(),
  port: v.number(),
  /** Base URL written into phones, e.g. `http://192.168.1.5:8080`. */
  publicBase: v.string(),
  /** `listener.publicHost` as configured; null = the first LAN IPv4 address is used. */
  publicHost: v.nullable(v.string()),
  /** Why the last start failed, if it did. */
  error: v.nullable(v.string()),
});
/** Listener status. */
export type ListenerStatus = v.InferOutput<typeof listenerStatusSchema>;

/** Local address the listener binds: one IP address, or `0.0.0.0` / `::` for all interfaces. */
export const listenerHostSchema = v.pipe(
  v.string(),
  v.minLength(1, 'host must not be empty'),
  v.maxLength(255, 'host is at most 255 characters'),
  v.regex(/^[0-9A-Za-z.:[\]-]+$/, 'host must be an IP address or host name, e.g. "0.0.0.0"'),
);

/** A TCP port; 0 picks a free one. */
export const tcpPortSchema = v.pipe(
  v.number('port must be a number'),
  v.integer('port must be an integer'),
  v.minValue(0, 'port must be 0-65535'),
  v.maxValue(65535, 'port must be 0-65535'),
);

/**
 * Body of `PUT /api/listener`: any subset. `host`/`port` move the listener (the new address is
 * bound before the old one is closed); `publicHost` (`address` or `address:port`, `null` = the
 * first LAN IPv4 address) is how phones reach it and goes into their Action URLs.
 */
export const listenerUpdateSchema = v.strictObject({
  host: v.optional(listenerHostSchema),
  port: v.optional(tcpPortSchema),
  publicHost: v.optional(v.nullable(hostPortSchema)),
});
/** Body of `PUT /api/listener`. */
export type ListenerUpdate = v.InferOutput<typeof listenerUpdateSchema>;

/**
 * Answer of `PUT /api/listener`: the new listener status plus what the change means. When
 * `publicBase` changed, the Action URLs in every phone point at the old address: provision
 * the phones in `phonesToReprovision` again (`POST /api/phones/{id}/provision`).
 */
export const listenerUpdateResultSchema = v.object({
  ...listenerStatusSchema.entries,
  /** The listener was moved to a new address (false when inactive or the address is unchanged). */
  restarted: v.boolean(),
  /** `publicBase` before the change. */
  previousPublicBase: v.string(),
  /** The Action URLs changed: phones must be provisioned again. */
  reprovisionNeeded: v.boolean(),
  /** Phones whose stored Action URLs now point at the old address. */
  phonesToReprovision: v.array(v.string()),
  /** One sentence for the administrator about what happened and what to do next. */
  detail: v.string(),
});
/** Answer of `PUT /api/listener`. */
export type ListenerUpdateResult = v.InferOutput<typeof listenerUpdateResultSchema>;

/** Event kinds a webhook can be configured for. */
export const WEBHOOK_EVENTS = [
  'call-incoming',
  'call-outgoing',
  'call-connected',
  'call-info',
  'call-finished',
  'call-missed',
  'line-status',
  'line-presence',
] as const;
/** A webhook event kind. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A webhook signing secret in the Standard Webhooks format: `whsec_` and the base64 of 24-64
 * random bytes. Receivers verify `webhook-signature` with it (any Standard Webhooks library).
 */
export const webhookSecretSchema = v.pipe(
  v.string(),
  v.regex(
    /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/,
    'secret is "whsec_" and the base64 of 24-64 random bytes; omit it to have one generated',
  ),
);

/** True when the scheme://host:port part of a webhook URL template holds a `{placeholder}`. */
export function webhookHostHasPlaceholder(url: string): boolean {
  const match = /^[a-z]+:\/\/([^/?#]*)/i.exec(url);
  return match?.[1] !== undefined && /[{}]/.test(match[1]);
}

/**
 * One outgoing webhook. `url` is a template: `{number}`, `{canonical}`, `{name}`, `{phone}`,
 * `{callId}`, `{direction}`, `{state}`, `{event}` are replaced (percent-encoded) in its path
 * and query, never in its host (a caller's number must not choose where the event goes).
 * POST sends the event as JSON too; GET only calls the URL. Every delivery is signed the
 * Standard Webhooks way with `secret` (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
 */
export const webhookSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  event: v.picklist(WEBHOOK_EVENTS),
  url: v.pipe(
    v.string(),
    v.regex(/^https?:\/\/\S+$/, 'url must start with http:// or https://'),
    v.check(
      (url) => !webhookHostHasPlaceholder(url),
      'url: placeholders such as {number} may stand in the path and query, not in the host or port',
    ),
  ),
  method: v.optional(v.picklist(['GET', 'POST']), 'POST'),
  enabled: v.optional(v.boolean(), true),
  /** Signing secret; write-only. Generated when missing; never returned by GET. */
  secret: v.optional(webhookSecretSchema),
});
/** One outgoing webhook (as configured, secret included). */
export type Webhook = v.InferOutput<typeof webhookSchema>;

/** A webhook as the API shows it: the secret never, only whether one is set. */
export const webhookViewSchema = v.object({
  ...v.omit(webhookSchema, ['secret']).entries,
  method: v.picklist(['GET', 'POST']),
  enabled: v.boolean(),
  hasSecret: v.boolean(),
});
/** A webhook as the API shows it. */
export type WebhookView = v.InferOutput<typeof webhookViewSchema>;

/** Answer of `GET /api/webhooks`. */
export const webhookListSchema = v.object({ webhooks: v.array(webhookViewSchema) });
/** Answer of `GET /api/webhooks`. */
export type WebhookList = v.InferOutput<typeof webhookListSchema>;

/**
 * Body of `PUT /api/webhooks`: the whole list. A webhook without `secret` keeps the one stored
 * under its id, or gets a new one.
 */
export const webhookListInputSchema = v.object({ webhooks: v.array(webhookSchema) });
/** Body of `PUT /api/webhooks`. */
export type WebhookListInput = v.InferInput<typeof webhookListInputSchema>;

/**
 * Answer of `PUT /api/webhooks`: the list as GET shows it, and the secrets generated by this
 * request by webhook id. This is the only time a generated secret is shown: store it in the
 * receiver now.
 */
export const webhookListResultSchema = v.object({
  webhooks: v.array(webhookViewSchema),
  generatedSecrets: v.record(v.string(), v.string()),
});
/** Answer of `PUT /api/webhooks`. */
export type WebhookListResult = v.InferOutput<typeof webhookListResultSchema>;

/** Answer of `GET /api/health`. */
export const healthSchema = v.object({
  /** `ok`, or `degraded` when the journal fails or the listener is down. */
  status: v.picklist(['ok', 'degraded']),
  version: v.string(),
  uptimeMs: v.number(),
  demo: v.boolean(),
  phones: v.object({
    total: v.number(),
    reachable: v.number(),
    unreachable: v.number(),
    authFailed: v.number(),
    unknown: v.number(),
  }),
  liveCalls: v.number(),
  /**
   * `ok: false` while writes fail (`error` says why); `pending`: finished calls waiting in
   * memory to be written; `dropped`: calls lost since start because that queue was full.
   * Both only when not 0.
   */
  journal: v.object({
    ok: v.boolean(),
    error: v.optional(v.string()),
    pending: v.optional(v.number()),
    dropped: v.optional(v.number()),
  }),
  listener: listenerStatusSchema,
  /** The MQTT bridge, when `mqtt` is configured: broker connection and queue counters. */
  mqtt: v.optional(
    v.object({
      connected: v.boolean(),
      queued: v.number(),
      dropped: v.number(),
      published: v.number(),
      failed: v.number(),
      lastError: v.nullable(v.string()),
    }),
  ),
  /** Missed-call e-mail, when `notify.email` is configured. */
  notify: v.optional(
    v.object({
      email: v.object({
        pendingCalls: v.number(),
        sent: v.number(),
        failed: v.number(),
        retries: v.number(),
        dropped: v.number(),
        lastError: v.nullable(v.string()),
      }),
    }),
  ),
  /** Health of each caller-name directory source, in order (`state: 'failing'` when unhealthy). */
  directory: v.optional(v.array(directorySourceHealthSchema)),
});
/** Answer of `GET /api/health`. */
export type Health = v.InferOutput<typeof healthSchema>;

// ---------------------------------------------------------------------------------------------
// SSE (`GET /api/events`): each message has an `id`, an `event` name and a JSON `data`.

/** `event: call` — a call changed (core CallChange). */
export const sseCallEventSchema = v.variant('type', [
  v.object({
    type: v.literal('call-state'),
    call: callViewSchema,
    previousState: v.nullable(v.picklist(CALL_STATES)),
  }),
  v.object({ type: v.literal('call-info'), call: callViewSchema, fields: v.array(v.string()) }),
  v.object({
    type: v.literal('call-finished'),
    call: callViewSchema,
    missed: v.boolean(),
  }),
]);
/** `event: call` payload. */
export type SseCallEvent = v.InferOutput<typeof sseCallEventSchema>;

/** `event: line` — a phone became reachable/unreachable, was reconfigured or removed. */
export const sseLineEventSchema = v.object({
  type: v.literal('line-status'),
  phoneId: v.string(),
  status: v.picklist(['reachable', 'unreachable', 'auth-failed', 'reconfigured', 'removed']),
  detail: v.nullable(v.string()),
  at: v.number(),
});
/** `event: line` payload (core LineStatusChange). */
export type SseLineEvent = v.InferOutput<typeof sseLineEventSchema>;

/**
 * `event: presence` — a line's DND, forwarding, logged-on user or registration changed (core
 * LinePresenceChange); `presence` is the whole presence after the change.
 */
export const ssePresenceEventSchema = v.object({
  type: v.literal('line-presence'),
  phoneId: v.string(),
  dnd: v.nullable(v.boolean()),
  forwarding: v.nullable(v.object({ mode: v.string(), target: v.nullable(v.string()) })),
  user: v.nullable(v.string()),
  registered: v.nullable(v.boolean()),
  changed: v.array(v.picklist(['dnd', 'forwarding', 'user', 'registration'])),
  presence: linePresenceSchema,
  at: v.number(),
});
/** `event: presence` payload (core LinePresenceChange). */
export type SsePresenceEvent = v.InferOutput<typeof ssePresenceEventSchema>;

/** `event: action-event` — a raw phone event as received (for troubleshooting views). */
export const sseActionEventSchema = v.object({
  type: v.literal('action-event'),
  event: actionEventSchema,
});
/** `event: action-event` payload. */
export type SseActionEvent = v.InferOutput<typeof sseActionEventSchema>;

/** `event: resync` — the server lost events for this client (buffer overrun): reload lists. */
export const sseResyncEventSchema = v.object({
  type: v.literal('resync'),
  reason: v.string(),
  /**
   * Set when this reader fell behind and its queue was emptied: the ids it never got (inclusive).
   * Reload `/api/calls` (and `/api/events/recent` for history); the stream goes on after `lostTo`.
   */
  lostFrom: v.optional(v.number()),
  lostTo: v.optional(v.number()),
  lostCount: v.optional(v.number()),
});
/** `event: resync` payload. */
export type SseResyncEvent = v.InferOutput<typeof sseResyncEventSchema>;

/** Query of `GET /api/events/recent` (strings, as in the URL). */
export const recentEventsQuerySchema = v.object({
  /** How many of the latest events: 1-2000, default 100. */
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'limit is a number 1-2000'))),
  /** Only these event names, comma-separated, e.g. `action-event,line`. Default: all. */
  event: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^(call|line|presence|action-event)(,(call|line|presence|action-event))*$/,
        'event is a comma-separated list of call, line, presence, action-event',
      ),
    ),
  ),
});
/** Query of `GET /api/events/recent`. */
export type RecentEventsQuery = v.InferOutput<typeof recentEventsQuerySchema>;

/** One event of `GET /api/events/recent`: the SSE message's id, name and (parsed) data. */
export const recentEventSchema = v.variant('event', [
  v.object({ id: v.number(), event: v.literal('call'), data: sseCallEventSchema }),
  v.object({ id: v.number(), event: v.literal('line'), data: sseLineEventSchema }),
  v.object({ id: v.number(), event: v.literal('presence'), data: ssePresenceEventSchema }),
  v.object({ id: v.number(), event: v.literal('action-event'), data: sseActionEventSchema }),
]);
/** One event of `GET /api/events/recent`. */
export type RecentEvent = v.InferOutput<typeof recentEventSchema>;

/**
 * Answer of `GET /api/events/recent`: the latest events of the SSE ring buffer, oldest first.
 * Open `GET /api/events` with `Last-Event-ID: <lastId>` (or `?lastEventId=<lastId>`) afterwards
 * to follow on without a gap or a duplicate; `lastId` is the newest id of the buffer even when
 * `event` filtered it out.
 */
export const recentEventsSchema = v.object({
  events: v.array(recentEventSchema),
  lastId: v.number(),
});
/** Answer of `GET /api/events/recent`. */
export type RecentEvents = v.InferOutput<typeof recentEventsSchema>;

/** SSE event names and their payload types. */
export interface SseEventMap {
  call: SseCallEvent;
  line: SseLineEvent;
  presence: SsePresenceEvent;
  'action-event': SseActionEvent;
  resync: SseResyncEvent;
}
/** SSE event names. */
export const SSE_EVENT_NAMES = ['call', 'line', 'presence', 'action-event', 'resync'] as const;

/** Action event kinds (re-exported for UIs that show raw events). */
export const API_ACTION_EVENT_KINDS = ACTION_EVENT_KINDS;

// Compile-time checks that the views match core's types exactly.
type Assert<T extends true> = T;
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type _CallMatches = Assert<Mutual<Call, Readonly<CallView>>>;
type _LineMatches = Assert<Mutual<LineStatusChange, Readonly<SseLineEvent>>>;
type _PresenceMatches = Assert<Mutual<LinePresence, Readonly<LinePresenceView>>>;
// FinishedCall is a Call, so it fits the call-finished payload.
type _FinishedFits = Assert<FinishedCall extends CallView ? true : false>;

// ---------------------------------------------------------------------------------------------
// Presence (`/api/lines`, `/api/phones/{id}/presence`)

/** One line of `GET /api/lines`: the phone, its presence and its live calls. */
export const lineViewSchema = v.object({
  phoneId: phoneIdSchema,
  name: v.string(),
  presence: linePresenceSchema,
  calls: v.array(callViewSchema),
});
/** One line of `GET /api/lines`. */
export type LineView = v.InferOutput<typeof lineViewSchema>;

/** Answer of `GET /api/lines`. */
export const lineListSchema = v.object({ lines: v.array(lineViewSchema) });
/** Answer of `GET /api/lines`. */
export type LineList = v.InferOutput<typeof lineListSchema>;

/**
 * Body of `PUT /api/phones/{id}/presence`: switch DND and/or forwarding on the phone. Omitted
 * parts stay as they are; forwarding on needs a target (mode default `always`).
 */
export const presenceUpdateSchema = v.pipe(
  v.object({
    dnd: v.optional(v.boolean()),
    forwarding: v.optional(
      v.object({
        enabled: v.boolean(),
        mode: v.optional(v.picklist(['always', 'busy', 'timeout']), 'always'),
        target: v.optional(
          v.pipe(
            v.string(),
            v.trim(),
            v.maxLength(128),
            v.regex(/^[0-9A-Za-z+*#@._:-]*$/, 'target is a number or SIP address'),
          ),
        ),
      }),
    ),
  }),
  v.check((b) => b.dnd !== undefined || b.forwarding !== undefined, 'give dnd and/or forwarding'),
  v.check(
    (b) => b.forwarding?.enabled !== true || (b.forwarding.target ?? '') !== '',
    'forwarding.target is required to switch forwarding on',
  ),
);
/** Body of `PUT /api/phones/{id}/presence`. */
export type PresenceUpdate = v.InferOutput<typeof presenceUpdateSchema>;

/**
 * Answer of `PUT /api/phones/{id}/presence` (202): the settings written (names only) and the
 * presence known now; the phone confirms with its Action URLs (`dnd-on`, …, SSE `presence`).
 */
export const presenceUpdateResultSchema = v.object({
  phoneId: phoneIdSchema,
  written: v.array(v.string()),
  presence: linePresenceSchema,
});
/** Answer of `PUT /api/phones/{id}/presence`. */
export type PresenceUpdateResult = v.InferOutput<typeof presenceUpdateResultSchema>;
