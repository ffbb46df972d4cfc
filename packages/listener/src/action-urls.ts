import { ACTION_EVENT_KINDS, PARAMETERLESS_EVENT_KINDS } from '@snomlink/core';
import type { ActionEventKind } from '@snomlink/core';
import { ListenerConfigError } from './errors.js';

/**
 * The snom setting that holds each event's Action URL (snom-protocol.md §1.2). Note the names
 * without `_url`: `action_hold`, `action_unhold`, `action_reg_failed` and the transfer ones.
 */
export const ACTION_URL_SETTING_NAMES = {
  incoming: 'action_incoming_url',
  outgoing: 'action_outgoing_url',
  offhook: 'action_offhook_url',
  onhook: 'action_onhook_url',
  connected: 'action_connected_url',
  disconnected: 'action_disconnected_url',
  missed: 'action_missed_url',
  hold: 'action_hold',
  unhold: 'action_unhold',
  transfer: 'action_transfer',
  'blind-transfer': 'action_blind_transfer',
  'attended-transfer': 'action_attended_transfer',
  'dnd-on': 'action_dnd_on_url',
  'dnd-off': 'action_dnd_off_url',
  'redirection-on': 'action_redirection_on_url',
  'redirection-off': 'action_redirection_off_url',
  setup: 'action_setup_url',
  'reg-failed': 'action_reg_failed',
  'log-on': 'action_log_on_url',
  'log-off': 'action_log_off_url',
} as const satisfies Record<ActionEventKind, string>;

/**
 * What the phone can send: `full` (every event, with runtime variables; snom 3xx/7xx, D3xx/D7xx),
 * `parameterless` (incoming/outgoing/offhook/onhook, `?k=` only; snom 190-class), or a custom
 * subset (with variables unless `parameters: false`).
 */
export type ActionUrlCapabilities =
  'full' | 'parameterless' | { events: readonly ActionEventKind[]; parameters?: boolean };

/** Input of `buildActionUrls`. */
export interface BuildActionUrlsOptions {
  /** How the phones reach the listener, e.g. `http://192.168.1.5:8080` (no query or fragment). */
  publicBase: string;
  /** The phone's id (letters, digits, `.`, `_`, `~`, `-`; at most 128). */
  phoneId: string;
  /** The phone's secret (same characters, 1–256). */
  secret: string;
  capabilities: ActionUrlCapabilities;
}

/** The query the full-parameter template appends after `k=`; free text (`dr`) last. */
export const ACTION_URL_PARAMETERS =
  '&cid=$call-id&n=$nr_ongoing_calls&user=$active_user&local=$local&remote=$remote&dr=$display_remote';

const URL_SAFE = /^[A-Za-z0-9._~-]+$/;

function selection(capabilities: ActionUrlCapabilities): {
  events: readonly ActionEventKind[];
  parameters: boolean;
} {
  if (capabilities === 'full') return { events: ACTION_EVENT_KINDS, parameters: true };
  if (capabilities === 'parameterless') {
    return { events: PARAMETERLESS_EVENT_KINDS, parameters: false };
  }
  // Runtime input may not match the type (config files): check it.
  const events = (capabilities as { events?: unknown }).events;
  if (!Array.isArray(events)) {
    throw new ListenerConfigError(
      'capabilities',
      "capabilities must be 'full', 'parameterless' or { events: [...] }",
    );
  }
  for (const event of events as unknown[]) {
    if (typeof event !== 'string' || !Object.hasOwn(ACTION_URL_SETTING_NAMES, event)) {
      throw new ListenerConfigError(
        'capabilities',
        `unknown Action URL event ${JSON.stringify(event)}; known: ${ACTION_EVENT_KINDS.join(', ')}`,
      );
    }
  }
  return { events: capabilities.events, parameters: capabilities.parameters ?? true };
}

function checkPublicBase(publicBase: string): string {
  let url: URL;
  try {
    url = new URL(publicBase);
  } catch {
    throw new ListenerConfigError(
      'publicBase',
      `publicBase "${publicBase}" is not a URL; use e.g. http://192.168.1.5:8080`,
    );
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new ListenerConfigError(
      'publicBase',
      `publicBase "${publicBase}" must be a plain http(s)://host[:port] address the phones can reach`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Builds the Action URL settings to write into a phone: setting name → URL, e.g.
 * `action_incoming_url` → `http://pc:8080/snom/p1/incoming?k=SECRET&cid=$call-id&…&dr=$display_remote`.
 * Parameterless phones get `?k=SECRET` only. Throws `ListenerConfigError` on unusable input.
 */
export function buildActionUrls(options: BuildActionUrlsOptions): Record<string, string> {
  const base = checkPublicBase(options.publicBase);
  if (!URL_SAFE.test(options.phoneId) || options.phoneId.length > 128) {
    throw new ListenerConfigError(
      'phoneId',
      `phone id "${options.phoneId}" must be 1-128 letters, digits, ".", "_", "~" or "-"`,
    );
  }
  if (!URL_SAFE.test(options.secret) || options.secret.length > 256) {
    throw new ListenerConfigError(
      'secret',
      'the secret must be 1-256 letters, digits, ".", "_", "~" or "-" (createSecret() makes one)',
    );
  }
  const { events, parameters } = selection(options.capabilities);
  const settings: Record<string, string> = {};
  for (const event of events) {
    const query = `?k=${options.secret}${parameters ? ACTION_URL_PARAMETERS : ''}`;
    settings[ACTION_URL_SETTING_NAMES[event]] = `${base}/snom/${options.phoneId}/${event}${query}`;
  }
  return settings;
}

/**
 * The reverse of `buildActionUrls`: the same setting names with empty values, which removes the
 * Action URLs from the phone when written.
 */
export function removeActionUrls(capabilities: ActionUrlCapabilities): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const event of selection(capabilities).events) {
    settings[ACTION_URL_SETTING_NAMES[event]] = '';
  }
  return settings;
}
