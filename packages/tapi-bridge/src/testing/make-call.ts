import type { Call, PartyId } from '@snomlink/core';

/**
 * A core PartyId for tests: `party('+4930123456', 'Anna')`, with a directory name as the
 * third argument.
 */
export function party(
  number: string | null,
  displayName: string | null = null,
  directoryName: string | null = null,
): PartyId {
  const e164 = number?.startsWith('+') ? number : null;
  return {
    number,
    displayName,
    directoryName,
    canonical: number,
    e164,
    anonymous: false,
    raw: number,
  };
}

/** A withheld (anonymous) party. */
export const ANONYMOUS_PARTY: PartyId = {
  number: null,
  displayName: 'Anonymous',
  directoryName: null,
  canonical: null,
  e164: null,
  anonymous: true,
  raw: 'sip:anonymous@anonymous.invalid',
};

/** A core Call for table tests and fakes; every field can be overridden. */
export function makeCall(overrides: Partial<Call> = {}): Call {
  return {
    id: 'call-1',
    phoneId: 'phone-1',
    sipCallId: 'a84b4c76e66710@pbx.example',
    state: 'offering',
    direction: 'inbound',
    locality: 'external',
    callerId: party('+4930123456', 'Anna Müller'),
    calledId: party('201'),
    connectedId: null,
    disconnectMode: null,
    startedAt: 1_000,
    connectedAt: null,
    endedAt: null,
    lastEventAt: 1_000,
    ...overrides,
  };
}
