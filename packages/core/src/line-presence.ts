/**
 * What a line reports about its availability, beside its calls: do-not-disturb, call forwarding,
 * the logged-on user and the SIP registration. JSON-safe (part of {@link LineState}); every field
 * is null until the phone said something about it, and each group carries the time it changed.
 */
export interface LinePresence {
  /** Do not disturb is on (`dnd-on`) or off (`dnd-off`); null when unknown. */
  readonly dnd: boolean | null;
  /** Epoch ms of the last DND change; null when never reported. */
  readonly dndChangedAt: number | null;
  /** Call forwarding is on (`redirection-on`) or off (`redirection-off`); null when unknown. */
  readonly forwarding: boolean | null;
  /**
   * The forwarding mode (`always`, `busy`, `timeout`) as last set from the PC; null when unknown.
   * snom's Action URLs carry no variable for it (snom-evidence.md), so only the PC can tell.
   */
  readonly forwardingMode: string | null;
  /** Where calls are forwarded to, as last set from the PC; null when unknown. */
  readonly forwardingTarget: string | null;
  /** Epoch ms of the last forwarding change (state, mode or target). */
  readonly forwardingChangedAt: number | null;
  /** The user logged on (`log-on` with `$active_user`); null when logged off or unknown. */
  readonly user: string | null;
  /** Whether a user is logged on (`log-on` / `log-off`); null when unknown. */
  readonly loggedOn: boolean | null;
  /** Epoch ms of the last log-on / log-off. */
  readonly userChangedAt: number | null;
  /**
   * Whether the phone's SIP registration works: false after `reg-failed`, true after `log-on`
   * (snom has no "registered" Action URL; `setup` fires before registering, so it is no proof).
   * Null when unknown.
   */
  readonly registered: boolean | null;
  /** Epoch ms of the last registration change. */
  readonly registrationChangedAt: number | null;
}

/** The presence groups a {@link LinePresenceChange} can name. */
export const PRESENCE_FIELDS = ['dnd', 'forwarding', 'user', 'registration'] as const;
/** One of {@link PRESENCE_FIELDS}. */
export type PresenceField = (typeof PRESENCE_FIELDS)[number];

/** Forwarding as the hub, MQTT and webhooks show it: on with mode and target, or null (off). */
export interface LineForwarding {
  /** `always`, `busy`, `timeout`, or `unknown` when the phone switched it on by itself. */
  readonly mode: string;
  readonly target: string | null;
}

/**
 * A line's presence changed (hub event `line-presence`): DND, forwarding, the logged-on user or
 * the registration. Compatible with `@snomlink/mqtt`'s `LinePresenceChange`. Duplicates of the
 * phone's events produce none.
 */
export interface LinePresenceChange {
  readonly type: 'line-presence';
  readonly phoneId: string;
  /** DND on/off, null when unknown. */
  readonly dnd: boolean | null;
  /** Forwarding when on; null when off or unknown. */
  readonly forwarding: LineForwarding | null;
  /** The logged-on user, null when none or unknown. */
  readonly user: string | null;
  /** Registration ok/failed, null when unknown. */
  readonly registered: boolean | null;
  /** Which groups changed in this step. */
  readonly changed: readonly PresenceField[];
  /** The whole presence after the change. */
  readonly presence: LinePresence;
  /** Epoch ms. */
  readonly at: number;
}

/** A line's presence before the phone said anything: everything unknown. */
export function createLinePresence(): LinePresence {
  return {
    dnd: null,
    dndChangedAt: null,
    forwarding: null,
    forwardingMode: null,
    forwardingTarget: null,
    forwardingChangedAt: null,
    user: null,
    loggedOn: null,
    userChangedAt: null,
    registered: null,
    registrationChangedAt: null,
  };
}

/** The forwarding a presence shows to the hub: on with mode and target, else null. */
export function forwardingOf(presence: LinePresence): LineForwarding | null {
  if (presence.forwarding !== true) return null;
  return { mode: presence.forwardingMode ?? 'unknown', target: presence.forwardingTarget };
}

/** The `line-presence` hub event for a presence that changed in `changed`. */
export function presenceChange(
  phoneId: string,
  presence: LinePresence,
  changed: readonly PresenceField[],
  at: number,
): LinePresenceChange {
  return {
    type: 'line-presence',
    phoneId,
    dnd: presence.dnd,
    forwarding: forwardingOf(presence),
    user: presence.user,
    registered: presence.registered,
    changed,
    presence,
    at,
  };
}
