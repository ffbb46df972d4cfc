import type { LinePresence } from '@snomlink/core';
import { LINEFORWARDMODE } from './constants.js';
import type { LineAddressStatus, LineForwardEntry } from './protocol.js';

const MODE_TO_TAPI: Readonly<Record<string, number>> = {
  always: LINEFORWARDMODE.UNCOND,
  busy: LINEFORWARDMODE.BUSY,
  timeout: LINEFORWARDMODE.NOANSW,
};

/** The forwarding mode core/daemon use for a `LINEFORWARDMODE_*`, or undefined if unsupported. */
export function forwardModeOf(tapiMode: number): 'always' | 'busy' | 'timeout' | undefined {
  if (tapiMode === LINEFORWARDMODE.UNCOND) return 'always';
  if (tapiMode === LINEFORWARDMODE.BUSY) return 'busy';
  if (tapiMode === LINEFORWARDMODE.NOANSW) return 'timeout';
  return undefined;
}

/**
 * A line's presence as TAPI's address status: DND first as UNCOND → '' (forward to nowhere),
 * then the forwarding entry (mode UNKNOWN when the phone switched it on without telling how).
 */
export function addressStatusOf(
  lineId: string,
  presence: LinePresence | undefined,
): LineAddressStatus {
  const forwardList: LineForwardEntry[] = [];
  if (presence?.dnd === true)
    forwardList.push({ forwardMode: LINEFORWARDMODE.UNCOND, destAddress: '' });
  if (presence?.forwarding === true) {
    forwardList.push({
      forwardMode:
        (presence.forwardingMode === null ? undefined : MODE_TO_TAPI[presence.forwardingMode]) ??
        LINEFORWARDMODE.UNKNOWN,
      destAddress: presence.forwardingTarget ?? '',
    });
  }
  return {
    lineId,
    dnd: presence?.dnd ?? null,
    forwarding: presence?.forwarding ?? null,
    forwardList,
  };
}
