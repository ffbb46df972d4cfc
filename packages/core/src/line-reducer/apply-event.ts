import type { ActionEvent } from '../action-event.js';
import type { Call } from '../call.js';
import { defaultMode, enrich, finish, moveTo } from './call-ops.js';
import { markUnannounced } from './log-scan.js';
import {
  connectedPartyFor,
  createFromEvent,
  partiesFrom,
  recreateAnswered,
  recreateFinished,
} from './parties.js';
import { isState } from './pick.js';
import { liveList, setOffhook, withinGrace, type Step } from './step.js';
import { resolveTarget } from './target.js';
import { endAll } from './timeouts.js';

/** Applies one Action URL or log-scan event to the step (ARCHITECTURE section 3). */
export function applyEvent(step: Step, event: ActionEvent): void {
  const { kind, params, source } = event;
  const callId = typeof params.callId === 'string' && params.callId !== '' ? params.callId : null;
  const live = liveList(step);
  const resolved = resolveTarget(step, event, callId, live);
  if (resolved === 'done') return;
  const target = resolved;
  const rules = step.rules;
  const info = (call: Call): Call => enrich(step, call, partiesFrom(event, call, rules));

  switch (kind) {
    case 'incoming': {
      if (target !== undefined) {
        info(target);
        return;
      }
      const call = createFromEvent(step, event, callId, 'inbound', ['offering']);
      if (source === 'log-scan') markUnannounced(step, call);
      return;
    }
    case 'outgoing': {
      if (target !== undefined) {
        const updated = info(target);
        if (updated.state === 'dialtone') {
          moveTo(step, updated, ['dialing', 'proceeding'], { direction: 'outbound' });
        }
        return;
      }
      const call = createFromEvent(step, event, callId, 'outbound', ['dialing', 'proceeding']);
      if (source === 'action-url') step.offhook = true;
      if (source === 'log-scan') markUnannounced(step, call);
      return;
    }
    case 'offhook': {
      const wasOffhook = step.offhook;
      setOffhook(step, true);
      if (target !== undefined && !isState('offering', 'accepted')(target)) {
        info(target);
        return;
      }
      if (target !== undefined) {
        // Lifting the handset while a call rings answers it.
        const updated = info(target);
        moveTo(step, updated, ['connected'], {
          connectedAt: updated.connectedAt ?? step.now,
          connectedId: updated.connectedId ?? connectedPartyFor(updated, event, rules),
        });
        return;
      }
      if (wasOffhook || live.some((c) => c.state !== 'onhold')) return;
      if (step.hookDebtAt !== null && withinGrace(step, step.hookDebtAt)) {
        // The late offhook of a call the log scan already ended: no new call.
        step.hookDebtAt = null;
        step.changed = true;
        return;
      }
      const call = createFromEvent(step, event, callId, 'outbound', ['dialtone']);
      // The phone's `outgoing` Action URL will announce this call once a number is dialled.
      markUnannounced(step, call);
      return;
    }
    case 'connected': {
      if (target === undefined) {
        // Out of order: connected before (or without) incoming/outgoing.
        recreateAnswered(step, event, callId, 'connected');
        return;
      }
      const updated = info(target);
      if (updated.state === 'connected') return;
      moveTo(step, updated, ['connected'], {
        connectedAt: updated.connectedAt ?? step.now,
        connectedId: updated.connectedId ?? connectedPartyFor(updated, event, rules),
      });
      return;
    }
    case 'disconnected': {
      if (target === undefined) {
        // A call this line never saw (e.g. live when the daemon restarted): journal it.
        if (callId !== null) recreateFinished(step, callId, event);
        return;
      }
      const updated = info(target);
      const reason = params.reason;
      if (reason === 'busy' && updated.connectedAt === null) {
        finish(step, updated, 'busy', ['busy']);
      } else {
        finish(step, updated, reason ?? defaultMode(updated));
      }
      return;
    }
    case 'missed': {
      if (target === undefined) {
        if (callId === null && live.length > 0) return; // the missed call is not one we know
        const call = createFromEvent(step, event, callId, 'inbound', ['offering']);
        finish(step, call, params.reason ?? 'noanswer');
        return;
      }
      const updated = info(target);
      if (updated.connectedAt !== null) return;
      finish(step, updated, params.reason ?? 'noanswer');
      return;
    }
    case 'hold':
    case 'unhold': {
      if (target === undefined) {
        if (callId === null) return; // nothing to recreate
        // A call this line never saw (e.g. live when the daemon restarted).
        recreateAnswered(step, event, callId, kind === 'hold' ? 'onhold' : 'connected');
        return;
      }
      const updated = info(target);
      if (kind === 'hold' && updated.state === 'connected') moveTo(step, updated, ['onhold']);
      if (kind === 'unhold' && updated.state === 'onhold') moveTo(step, updated, ['connected']);
      return;
    }
    case 'onhook': {
      setOffhook(step, false);
      if (callId !== null) {
        if (target !== undefined) finish(step, info(target), params.reason ?? defaultMode(target));
        else recreateFinished(step, callId, event);
        return;
      }
      const active = live.filter(
        isState('connected', 'dialtone', 'dialing', 'proceeding', 'ringback', 'busy'),
      );
      if (active.length > 0) {
        for (const call of active) finish(step, call, defaultMode(call));
        return;
      }
      // Nothing active: the caller gave up while it rang (parameterless phones).
      for (const call of live.filter(isState('offering', 'accepted')))
        finish(step, call, 'noanswer');
      return;
    }
    case 'setup':
      // The phone (re)booted: whatever we thought was live is gone.
      setOffhook(step, false);
      endAll(step, 'unknown');
      return;
    default:
      if (target !== undefined) info(target);
      return;
  }
}
