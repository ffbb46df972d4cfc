import type { ActionEvent } from '../action-event.js';
import { presenceChange, type LinePresence, type PresenceField } from '../line-presence.js';
import type { ForwardingTargetInput } from '../line-state.js';
import type { Step } from './step.js';

/** The presence a phone event implies, or null when the event says nothing about presence. */
function presenceUpdate(
  presence: LinePresence,
  event: ActionEvent,
  now: number,
): { field: PresenceField; next: LinePresence } | null {
  const set = (
    field: PresenceField,
    patch: Partial<LinePresence>,
  ): { field: PresenceField; next: LinePresence } => ({
    field,
    next: { ...presence, ...patch },
  });
  switch (event.kind) {
    case 'dnd-on':
    case 'dnd-off': {
      const dnd = event.kind === 'dnd-on';
      return presence.dnd === dnd ? null : set('dnd', { dnd, dndChangedAt: now });
    }
    case 'redirection-on':
    case 'redirection-off': {
      const forwarding = event.kind === 'redirection-on';
      return presence.forwarding === forwarding
        ? null
        : set('forwarding', { forwarding, forwardingChangedAt: now });
    }
    case 'log-on': {
      const user = event.params.activeUser ?? presence.user;
      if (presence.loggedOn === true && presence.user === user) return null;
      return set('user', { loggedOn: true, user: user ?? null, userChangedAt: now });
    }
    case 'log-off':
      return presence.loggedOn === false
        ? null
        : set('user', { loggedOn: false, user: null, userChangedAt: now });
    case 'reg-failed':
      return presence.registered === false
        ? null
        : set('registration', { registered: false, registrationChangedAt: now });
    default:
      return null;
  }
}

/**
 * Applies a phone event's presence part: DND, forwarding, log-on/off and registration. A
 * duplicate (the value the line already has) changes nothing and emits nothing.
 */
export function applyPresence(step: Step, event: ActionEvent): void {
  const changed: PresenceField[] = [];
  let presence = step.presence;
  const update = presenceUpdate(presence, event, step.now);
  if (update !== null) {
    presence = update.next;
    changed.push(update.field);
  }
  // A user's identity logging on is the phone's registration succeeding (snom fires `log-on`
  // once the identity registered; there is no separate "registered" Action URL).
  if (event.kind === 'log-on' && presence.registered !== true) {
    presence = { ...presence, registered: true, registrationChangedAt: step.now };
    changed.push('registration');
  }
  if (changed.length === 0) return;
  step.presence = presence;
  step.changed = true;
  step.presenceChanges.push(presenceChange(step.phoneId, presence, changed, step.now));
}

/** Records the forwarding mode and target the PC wrote; a repeat of the known ones is a no-op. */
export function applyForwardingTarget(step: Step, input: ForwardingTargetInput): void {
  const presence = step.presence;
  if (presence.forwardingMode === input.mode && presence.forwardingTarget === input.target) return;
  step.presence = {
    ...presence,
    forwardingMode: input.mode,
    forwardingTarget: input.target,
    forwardingChangedAt: step.now,
  };
  step.changed = true;
  step.presenceChanges.push(presenceChange(step.phoneId, step.presence, ['forwarding'], step.now));
}
