/**
 * The phone settings that switch DND and call forwarding. The public evidence names none of them
 * (snom-evidence.md §2), so the defaults below are **Unverified**: they are the names snom's
 * settings pages are commonly quoted with, and every one can be overridden per phone.
 */

/** When forwarding applies: every call, while busy, or after ringing for a while. */
export type ForwardMode = 'always' | 'busy' | 'timeout';

/** Setting names (and values) used to switch DND and forwarding on one phone. */
export interface PresenceSettingNames {
  /** DND on/off. Default `dnd_mode`. */
  readonly dnd: string;
  /** Values written to {@link dnd}. Default `on` / `off`. */
  readonly dndValues: { readonly on: string; readonly off: string };
  /** Which calls are forwarded. Default `redirect_event`. */
  readonly forwardEvent: string;
  /** Values written to {@link forwardEvent}. Default `all`, `busy`, `time`, `none`. */
  readonly forwardEventValues: Readonly<Record<ForwardMode | 'off', string>>;
  /** The target per mode. Default `redirect_number`, `redirect_busy_number`, `redirect_time_number`. */
  readonly forwardTarget: Readonly<Record<ForwardMode, string>>;
}

/** The default (Unverified) DND and forwarding setting names. */
export const DEFAULT_PRESENCE_SETTINGS: PresenceSettingNames = {
  dnd: 'dnd_mode',
  dndValues: { on: 'on', off: 'off' },
  forwardEvent: 'redirect_event',
  forwardEventValues: { always: 'all', busy: 'busy', timeout: 'time', off: 'none' },
  forwardTarget: {
    always: 'redirect_number',
    busy: 'redirect_busy_number',
    timeout: 'redirect_time_number',
  },
};

/** A DND / forwarding change to write: omitted parts stay as they are. */
export interface PresenceWrite {
  readonly dnd?: boolean;
  /** Forwarding on (with mode and target) or off. */
  readonly forwarding?:
    | { readonly enabled: true; readonly mode: ForwardMode; readonly target: string }
    | { readonly enabled: false };
}

/** The settings that make the phone do `change` (for `SnomClient.writeSettings`). */
export function presenceSettings(
  change: PresenceWrite,
  names: PresenceSettingNames = DEFAULT_PRESENCE_SETTINGS,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (change.dnd !== undefined)
    out[names.dnd] = change.dnd ? names.dndValues.on : names.dndValues.off;
  const forwarding = change.forwarding;
  if (forwarding !== undefined) {
    if (forwarding.enabled) {
      out[names.forwardTarget[forwarding.mode]] = forwarding.target;
      out[names.forwardEvent] = names.forwardEventValues[forwarding.mode];
    } else {
      out[names.forwardEvent] = names.forwardEventValues.off;
    }
  }
  return out;
}
