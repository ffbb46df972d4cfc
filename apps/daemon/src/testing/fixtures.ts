import type { FinishedCall, PartyId } from '@snomlink/core';

/** A party with just a number (and optional phone name and directory name). */
export function party(
  number: string | null,
  displayName: string | null = null,
  directoryName: string | null = null,
): PartyId {
  return {
    number,
    displayName,
    directoryName,
    canonical: number,
    e164: number?.startsWith('+') ? number : null,
    anonymous: number === null,
    raw: number,
  };
}

/** A finished call for journal tests. */
export function finishedCall(overrides: Partial<FinishedCall> = {}): FinishedCall {
  const startedAt = overrides.startedAt ?? 1_700_000_000_000;
  return {
    id: 'call-1',
    phoneId: 'desk-201',
    sipCallId: 'call-1@pbx',
    state: 'idle',
    direction: 'inbound',
    locality: 'external',
    callerId: party('+4930123456', 'Anna Müller'),
    calledId: party('201'),
    connectedId: null,
    disconnectMode: 'normal',
    startedAt,
    connectedAt: startedAt + 2000,
    endedAt: startedAt + 60_000,
    lastEventAt: startedAt + 60_000,
    missed: false,
    ...overrides,
  };
}
