import type { ActionEvent } from './action-event.js';
import type { CallChange } from './call.js';
import type { LinePresenceChange } from './line-presence.js';

/** A phone became reachable or unreachable, or was reconfigured (TAPI LINE_LINEDEVSTATE). */
export interface LineStatusChange {
  readonly type: 'line-status';
  readonly phoneId: string;
  readonly status: 'reachable' | 'unreachable' | 'auth-failed' | 'reconfigured' | 'removed';
  /** Human-readable reason, e.g. "connect ECONNREFUSED 127.0.0.2:80". Never holds a secret. */
  readonly detail: string | null;
  readonly at: number;
}

/** A raw event as it arrived (listener or log scan), for troubleshooting views. */
export interface ActionEventReceived {
  readonly type: 'action-event';
  readonly event: ActionEvent;
}

/** Everything that flows through the daemon's hub. */
export type SnomlinkEvent =
  CallChange | LineStatusChange | LinePresenceChange | ActionEventReceived;
