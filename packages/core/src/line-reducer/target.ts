import type { ActionEvent } from '../action-event.js';
import type { Call } from '../call.js';
import { enrich } from './call-ops.js';
import { announcedCall, bindEnded, bindLogScan, markAnnounced } from './log-scan.js';
import { partiesFrom } from './parties.js';
import { adopt, pickFor } from './pick.js';
import { findByCallId, type Step } from './step.js';

/** The call an event is about, or `undefined` (none: the event may create one), or `'done'`. */
export type EventTarget = Call | undefined | 'done';

/**
 * Finds the call an event means. With a Call-ID: that call, else a live call without one that
 * the event binds to (it gets the Call-ID), else none. Without: the live call the event fits,
 * or the call a parameterless `incoming`/`outgoing` announces. `'done'` when the event is a
 * late duplicate and changes nothing more.
 */
export function resolveTarget(
  step: Step,
  event: ActionEvent,
  callId: string | null,
  live: readonly Call[],
): EventTarget {
  const { kind, source } = event;
  if (callId === null) {
    // A parameterless `incoming` is a call of its own (a ringing call it announced already
    // may have ended unseen: the phone sends no Action URL when the caller gives up), unless
    // the log scan was faster and created its call first.
    let target = kind === 'incoming' ? undefined : pickFor(kind, live);
    if (kind === 'incoming' || kind === 'outgoing') {
      const announced = announcedCall(step, kind === 'incoming' ? 'inbound' : 'outbound');
      if (announced !== undefined && 'ended' in announced) return 'done';
      if (announced !== undefined) target = announced.live;
    }
    return target;
  }
  let target = findByCallId(step, callId);
  if (target === undefined) {
    if (step.ended.includes(callId)) return 'done'; // late duplicate of a finished call
    const bound = source === 'log-scan' ? bindLogScan(step, kind, live) : adopt(kind, live);
    if (bound !== undefined && 'ended' in bound) {
      bindEnded(step, bound.ended, callId);
      return 'done';
    }
    if (bound !== undefined) {
      target = enrich(step, bound.live, {
        sipCallId: callId,
        ...partiesFrom(event, bound.live, step.rules),
      });
    }
  }
  if (
    target !== undefined &&
    source === 'action-url' &&
    (kind === 'incoming' || kind === 'outgoing')
  ) {
    markAnnounced(step, target.id);
  }
  return target;
}
