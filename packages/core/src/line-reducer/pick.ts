import type { ActionEventKind } from '../action-event.js';
import type { Call, CallState } from '../call.js';

/** A predicate: the call is in one of `states`. */
export const isState =
  (...states: CallState[]) =>
  (call: Call): boolean =>
    states.includes(call.state);

/** Newest call matching the first predicate that matches any, in priority order. */
function pick(
  calls: readonly Call[],
  ...predicates: ((call: Call) => boolean)[]
): Call | undefined {
  for (const predicate of predicates) {
    const matches = calls.filter(predicate);
    if (matches.length > 0) return matches[matches.length - 1];
  }
  return undefined;
}

/** Which live call (oldest first in `calls`) an event without, or with an unknown, Call-ID means. */
export function pickFor(kind: ActionEventKind, calls: readonly Call[]): Call | undefined {
  switch (kind) {
    case 'incoming':
      return pick(calls, (c) => c.state === 'offering' && c.direction !== 'outbound');
    case 'outgoing':
      return pick(
        calls,
        isState('dialtone'),
        (c) => c.direction !== 'inbound' && isState('dialing', 'proceeding', 'ringback')(c),
      );
    case 'offhook':
      return pick(calls, isState('offering', 'accepted'));
    case 'connected':
      return pick(
        calls,
        isState('offering', 'accepted', 'dialing', 'proceeding', 'ringback', 'dialtone'),
        isState('onhold'),
        isState('connected'),
      );
    case 'disconnected':
      return pick(
        calls,
        isState('connected'),
        isState('dialing', 'proceeding', 'ringback', 'busy', 'dialtone'),
        isState('offering', 'accepted'),
        isState('onhold'),
      );
    case 'missed':
      return pick(calls, isState('offering', 'accepted'));
    case 'hold':
      return pick(calls, isState('connected'), isState('onhold'));
    case 'unhold':
      return pick(calls, isState('onhold'), isState('connected'));
    case 'onhook':
    case 'transfer':
    case 'blind-transfer':
    case 'attended-transfer':
      return pick(
        calls,
        isState('connected', 'dialtone', 'dialing', 'proceeding', 'ringback', 'busy'),
      );
    default:
      return undefined;
  }
}

/** Adoption: an event carrying a new Call-ID may bind to a live call that has none yet. */
function adoptable(kind: ActionEventKind, calls: readonly Call[]): Call | undefined {
  const unbound = calls.filter((c) => c.sipCallId === null);
  if (unbound.length === 0) return undefined;
  if (kind === 'incoming') return pick(unbound, (c) => c.direction === 'inbound');
  if (kind === 'outgoing') return pick(unbound, (c) => c.direction === 'outbound');
  return pickFor(kind, unbound) ?? (unbound.length === 1 ? unbound[0] : undefined);
}

/** The live call without a Call-ID that an event with a new Call-ID binds to, if any. */
export function adopt(
  kind: ActionEventKind,
  live: readonly Call[],
): { readonly live: Call } | undefined {
  const adopted = adoptable(kind, live);
  return adopted === undefined ? undefined : { live: adopted };
}
