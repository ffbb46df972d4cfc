import type { Call, CallState, PartyId, SnomlinkEvent } from '@snomlink/core';

/**
 * DND / call forwarding of a line: the part of core's `LinePresenceChange` the bridge reads.
 * Kept as a structural subset so core's full change (with user, registration and the whole
 * presence) is accepted as is, and callers may publish just these fields.
 */
export interface LinePresenceChange {
  readonly type: 'line-presence';
  readonly phoneId: string;
  /** Do not disturb is on; null when unknown. */
  readonly dnd: boolean | null;
  /** Where calls are forwarded to, or null when forwarding is off / unknown. */
  readonly forwarding?: { readonly mode: string; readonly target: string | null } | null;
  readonly at: number;
}

/** What {@link MqttBridge.publish} accepts: any hub event (core's `line-presence` included). */
export type MqttBridgeEvent = SnomlinkEvent | LinePresenceChange;

/** What the `state` topic and the Home Assistant `state` sensor show. */
export const LINE_STATES = ['idle', 'ringing', 'dialing', 'talking'] as const;
/** One of {@link LINE_STATES}. */
export type LineStateName = (typeof LINE_STATES)[number];

const RANK: Record<LineStateName, number> = { idle: 0, dialing: 1, talking: 2, ringing: 3 };

/**
 * The line state a call contributes: an inbound call being offered rings; outbound setup is
 * dialing; connected or on hold is talking; ended calls count as idle.
 */
export function lineStateOfCall(state: CallState): LineStateName {
  switch (state) {
    case 'offering':
    case 'accepted':
      return 'ringing';
    case 'dialtone':
    case 'dialing':
    case 'proceeding':
    case 'ringback':
    case 'busy':
      return 'dialing';
    case 'connected':
    case 'onhold':
      return 'talking';
    case 'disconnected':
    case 'idle':
      return 'idle';
  }
}

/**
 * The state of a line with several live calls: ringing wins (a waiting call is what automation
 * reacts to), then talking, then dialing. Returns the winning call too (for the caller topic).
 */
export function lineStateOf(calls: Iterable<Call>): { state: LineStateName; call: Call | null } {
  let best: { state: LineStateName; call: Call | null } = { state: 'idle', call: null };
  for (const call of calls) {
    const state = lineStateOfCall(call.state);
    if (RANK[state] > RANK[best.state]) best = { state, call };
  }
  return best;
}

/** The far end of a call: the caller of an inbound call, else the called (or connected) party. */
export function otherParty(call: Call): PartyId {
  if (call.direction === 'inbound') return call.callerId;
  return call.connectedId ?? call.calledId;
}
