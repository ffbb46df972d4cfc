import type { ActionEventKind } from '../action-event.js';
import type { CallState, DisconnectMode } from '../call.js';
import { defaultMode, finish } from './call-ops.js';
import { liveList, type Step } from './step.js';

/** States before the call is connected: they end after `setupTimeoutMs`. */
const SETUP_STATES: ReadonlySet<CallState> = new Set([
  'offering',
  'accepted',
  'dialtone',
  'dialing',
  'proceeding',
  'ringback',
  'busy',
]);

/** A `$nr_ongoing_calls` of 0 on these kinds is not trusted to mean "no calls" (a call starts). */
const COUNT_IGNORED_KINDS: ReadonlySet<ActionEventKind> = new Set([
  'incoming',
  'outgoing',
  'offhook',
  'connected',
  'hold',
  'unhold',
]);

/** Ends calls silent for `setupTimeoutMs` (setup states) or `staleCallTimeoutMs` (any state). */
export function expireStale(step: Step): void {
  for (const call of liveList(step)) {
    const idleFor = step.now - call.lastEventAt;
    if (SETUP_STATES.has(call.state) && idleFor >= step.setupMs) {
      finish(
        step,
        call,
        call.state === 'busy' ? 'busy' : call.direction === 'inbound' ? 'noanswer' : 'unknown',
      );
    } else if (idleFor >= step.staleMs) {
      finish(step, call, 'unknown');
    }
  }
}

/** Ends every live call, with `mode` or each call's default mode. */
export function endAll(step: Step, mode: DisconnectMode | null): void {
  for (const call of liveList(step)) finish(step, call, mode ?? defaultMode(call));
}

/** Whether an event's `$nr_ongoing_calls` says the phone has no calls left. */
export function reportsNoCalls(kind: ActionEventKind, nrOngoingCalls: number | undefined): boolean {
  return nrOngoingCalls === 0 && !COUNT_IGNORED_KINDS.has(kind);
}
