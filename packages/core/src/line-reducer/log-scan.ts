import type { ActionEventKind } from '../action-event.js';
import type { Call, CallDirection } from '../call.js';
import type { UnboundEndedCall } from '../line-state.js';
import { adopt } from './pick.js';
import { PENDING_MEMORY, callById, remember, withinGrace, type Step } from './step.js';

/**
 * Which call a `log-scan` event with a Call-ID the line does not know belongs to: a live call
 * without Call-ID, or one that already ended without one (its record came late). The log lists
 * calls in the order they happened and the scanner reports them in that order, so for
 * incoming/outgoing the oldest waiting call of that direction wins: a late record of an ended
 * call must not bind to the next call that is ringing now.
 */
export function bindLogScan(
  step: Step,
  kind: ActionEventKind,
  live: readonly Call[],
): { readonly live: Call } | { readonly ended: UnboundEndedCall } | undefined {
  const direction = kind === 'incoming' ? 'inbound' : kind === 'outgoing' ? 'outbound' : null;
  let oldestEnded: UnboundEndedCall | undefined;
  for (const p of step.unboundEnded) {
    if (!withinGrace(step, p.endedAt)) continue;
    if (direction !== null && p.direction !== direction) continue;
    if (oldestEnded === undefined || p.startedAt < oldestEnded.startedAt) oldestEnded = p;
  }
  if (direction === null) {
    return adopt(kind, live) ?? (oldestEnded === undefined ? undefined : { ended: oldestEnded });
  }
  // `live` is sorted oldest first.
  const waiting = live.find((c) => c.sipCallId === null && c.direction === direction);
  if (
    waiting !== undefined &&
    (oldestEnded === undefined || waiting.startedAt < oldestEnded.startedAt)
  )
    return { live: waiting };
  return oldestEnded === undefined ? undefined : { ended: oldestEnded };
}

/**
 * The log told us the Call-ID of a call we already ended without one: its later events are
 * duplicates.
 */
export function bindEnded(step: Step, ended: UnboundEndedCall, callId: string): void {
  step.unboundEnded = step.unboundEnded.filter((p) => p !== ended);
  remember(step, callId);
  step.changed = true;
}

/**
 * A parameterless `incoming`/`outgoing` Action URL (no Call-ID): the call it announces when the
 * log scan or `offhook` created that call first. `ended` when that call already ended (within
 * `logScanGraceMs`): the Action URL came late and changes nothing.
 */
export function announcedCall(
  step: Step,
  direction: CallDirection,
): { readonly live: Call } | { readonly ended: true } | undefined {
  for (const u of step.unannounced) {
    if (u.direction !== direction || u.endedAt !== null) continue;
    const call = callById(step.calls, u.id);
    if (call === undefined) continue;
    step.unannounced = step.unannounced.filter((x) => x !== u);
    step.changed = true;
    return { live: call };
  }
  for (const u of step.unannounced) {
    if (u.direction !== direction || u.endedAt === null || !withinGrace(step, u.endedAt)) continue;
    step.unannounced = step.unannounced.filter((x) => x !== u);
    step.changed = true;
    return { ended: true };
  }
  return undefined;
}

/** The phone announced a call itself (with its Call-ID): it no longer waits for that. */
export function markAnnounced(step: Step, id: string): void {
  if (!step.unannounced.some((u) => u.id === id)) return;
  step.unannounced = step.unannounced.filter((u) => u.id !== id);
  step.changed = true;
}

/** The call waits for the phone's parameterless `incoming`/`outgoing` Action URL. */
export function markUnannounced(step: Step, call: Call): void {
  step.unannounced = [
    ...step.unannounced,
    { id: call.id, direction: call.direction, endedAt: null },
  ].slice(-PENDING_MEMORY);
  step.changed = true;
}
