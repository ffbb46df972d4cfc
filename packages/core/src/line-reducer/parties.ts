import type { ActionEvent } from '../action-event.js';
import type { Call, CallDirection, CallState, PartyId } from '../call.js';
import type { DialRules } from '../dial-rules.js';
import { hasPartyInfo, localityOf, mergeParty, partyFromAddress, UNKNOWN_PARTY } from '../party.js';
import { create, finish, newCall } from './call-ops.js';
import type { Step } from './step.js';

/** Fields of a call recreated from an event for a Call-ID the line does not know. */
function recreatedFields(
  event: ActionEvent,
  rules: DialRules,
): Pick<Call, 'direction' | 'callerId' | 'calledId' | 'locality'> {
  const party = partyFromAddress(event.params.remote, event.params.displayRemote, rules);
  return {
    direction: 'unknown',
    callerId: party,
    calledId: partyFromAddress(event.params.local, null, rules),
    locality: localityOf(party),
  };
}

/** Fields an event tells about its call's parties (merged into what the call knows). */
export function partiesFrom(
  event: ActionEvent,
  call: Call | null,
  rules: DialRules,
  newDirection?: CallDirection,
): Partial<Call> {
  const { remote, local, displayRemote } = event.params;
  const remoteParty = partyFromAddress(remote, displayRemote, rules);
  const localParty = partyFromAddress(local, null, rules);
  const direction =
    call?.direction ?? newDirection ?? (event.kind === 'outgoing' ? 'outbound' : 'inbound');
  const patch: { -readonly [K in keyof Call]?: Call[K] } = {};
  if (direction === 'outbound') {
    if (call === null) {
      patch.calledId = remoteParty;
      patch.callerId = localParty;
    } else {
      patch.calledId = mergeParty(call.calledId, remoteParty);
      patch.callerId = mergeParty(call.callerId, localParty);
    }
  } else if (direction === 'inbound') {
    if (call === null) {
      patch.callerId = remoteParty;
      patch.calledId = localParty;
    } else {
      patch.callerId = mergeParty(call.callerId, remoteParty);
      patch.calledId = mergeParty(call.calledId, localParty);
    }
  } else if (call !== null) {
    // Direction unknown (created by an out-of-order event): the remote is the caller.
    patch.callerId = mergeParty(call.callerId, remoteParty);
    patch.calledId = mergeParty(call.calledId, localParty);
  }
  if (call !== null) {
    const remoteOf = direction === 'outbound' ? patch.calledId : patch.callerId;
    if (call.locality === 'unknown' && remoteOf !== undefined) {
      const locality = localityOf(remoteOf);
      if (locality !== 'unknown') patch.locality = locality;
    }
    if (call.connectedId !== null && !hasPartyInfo(call.connectedId) && hasPartyInfo(remoteParty)) {
      patch.connectedId = remoteParty;
    }
  }
  return patch;
}

/** Who a call is connected to: the event's `$remote`, else the other party the call knows. */
export function connectedPartyFor(call: Call, event: ActionEvent, rules: DialRules): PartyId {
  const party = partyFromAddress(event.params.remote, event.params.displayRemote, rules);
  if (hasPartyInfo(party)) return party;
  return call.direction === 'outbound' ? call.calledId : call.callerId;
}

/**
 * The end of a call this line never saw (e.g. live when the daemon restarted): the call appears
 * and finishes in the same step, so the journal has it. What happened before is unknown: it is
 * created in `disconnected`, `connectedAt` null, direction unknown (so never `missed`).
 */
export function recreateFinished(step: Step, callId: string, event: ActionEvent): void {
  const call = create(step, newCall(step, callId, recreatedFields(event, step.rules)), [
    'disconnected',
  ]);
  finish(step, call, event.params.reason ?? 'unknown');
}

/** Creates a call of `direction` between the parties `event` names, moved through `states`. */
export function createFromEvent(
  step: Step,
  event: ActionEvent,
  callId: string | null,
  direction: 'inbound' | 'outbound',
  states: readonly CallState[],
): Call {
  const parties = partiesFrom(event, null, step.rules, direction);
  return create(
    step,
    newCall(step, callId, {
      direction,
      callerId: parties.callerId ?? UNKNOWN_PARTY,
      calledId: parties.calledId ?? UNKNOWN_PARTY,
    }),
    states,
  );
}

/** Recreates an answered call this line never saw (the remote taken as the caller) in `state`. */
export function recreateAnswered(
  step: Step,
  event: ActionEvent,
  callId: string | null,
  state: CallState,
): void {
  const fields = recreatedFields(event, step.rules);
  create(
    step,
    newCall(step, callId, { ...fields, connectedAt: step.now, connectedId: fields.callerId }),
    [state],
  );
}
