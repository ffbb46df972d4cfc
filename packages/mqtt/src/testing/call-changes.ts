import type { Call, CallChange, CallState, FinishedCall, PartyId } from '@snomlink/core';

/** Fields of {@link testCall}: the phone, the call id, state, direction and far-end party. */
export interface TestCallFields {
  readonly phoneId: string;
  readonly id: string;
  readonly state: CallState;
  readonly direction?: 'inbound' | 'outbound';
  readonly number?: string | null;
  readonly name?: string | null;
  readonly at?: number;
}

function party(number: string | null, name: string | null): PartyId {
  return {
    number,
    displayName: name,
    canonical: number,
    e164: null,
    anonymous: number === null,
    raw: number,
  };
}

const NOBODY = party(null, null);

/** A `Call` as the daemon's reducer would produce it, for feeding a bridge in tests. */
export function testCall(fields: TestCallFields): Call {
  const direction = fields.direction ?? 'inbound';
  const far = party(fields.number ?? null, fields.name ?? null);
  const at = fields.at ?? Date.now();
  return {
    id: fields.id,
    phoneId: fields.phoneId,
    sipCallId: fields.id,
    state: fields.state,
    direction,
    locality: 'external',
    callerId: direction === 'inbound' ? far : NOBODY,
    calledId: direction === 'inbound' ? NOBODY : far,
    connectedId: fields.state === 'connected' ? far : null,
    disconnectMode: null,
    startedAt: at,
    connectedAt: fields.state === 'connected' ? at : null,
    endedAt: null,
    lastEventAt: at,
  };
}

/** A `call-state` change to `fields.state`. */
export function callState(
  fields: TestCallFields,
  previousState: CallState | null = null,
): CallChange {
  return { type: 'call-state', call: testCall(fields), previousState };
}

/** A `call-finished` change; `missed` for an inbound call never answered. */
export function callFinished(fields: Omit<TestCallFields, 'state'>, missed: boolean): CallChange {
  const call = testCall({ ...fields, state: 'idle' });
  const finished: FinishedCall = {
    ...call,
    state: 'idle',
    endedAt: call.lastEventAt,
    missed,
    disconnectMode: missed ? 'noanswer' : 'normal',
  };
  return { type: 'call-finished', call: finished };
}
