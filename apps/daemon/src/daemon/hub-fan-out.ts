import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import type { SseCallEvent } from '../api/schemas.js';
import type { EventBuffer } from '../events/event-buffer.js';
import type { WebhookDispatcher } from '../events/webhooks.js';
import type { Journal } from '../journal/journal.js';

/** Where {@link fanOutHub} sends the hub's events. */
export interface HubFanOutTargets {
  /** The SSE replay buffer (`/api/events`). */
  readonly events: EventBuffer;
  /** Finished calls are journalled. */
  readonly journal: Pick<Journal, 'record'>;
  readonly webhooks: Pick<WebhookDispatcher, 'handle'>;
  readonly logger: Logger;
  /**
   * Whether finished calls go to the journal and events to the webhooks from here (default
   * true). Cluster mode: false, the journal log and the shared webhook consumer feed them.
   */
  readonly fromHub?: boolean;
}

/** Logs, buffers for SSE and journals one hub event (webhooks get every event after). */
function route(
  event: SnomlinkEvent,
  { events, journal, logger, fromHub = true }: HubFanOutTargets,
): void {
  switch (event.type) {
    case 'call-state': {
      const payload: SseCallEvent = {
        type: 'call-state',
        call: event.call,
        previousState: event.previousState,
      };
      events.push('call', payload);
      logger.info(
        {
          phoneId: event.call.phoneId,
          callId: event.call.id,
          state: event.call.state,
          from: event.previousState,
          direction: event.call.direction,
          remote: (event.call.direction === 'outbound' ? event.call.calledId : event.call.callerId)
            .canonical,
        },
        `call ${event.call.state}`,
      );
      break;
    }
    case 'call-info':
      events.push('call', {
        type: 'call-info',
        call: event.call,
        fields: event.fields.map(String),
      });
      logger.debug(
        { phoneId: event.call.phoneId, callId: event.call.id, fields: event.fields },
        'call info',
      );
      break;
    case 'call-finished':
      events.push('call', { type: 'call-finished', call: event.call, missed: event.call.missed });
      if (fromHub) journal.record(event.call);
      logger.info(
        {
          phoneId: event.call.phoneId,
          callId: event.call.id,
          direction: event.call.direction,
          mode: event.call.disconnectMode,
          missed: event.call.missed,
          durationMs:
            event.call.connectedAt === null ? 0 : event.call.endedAt - event.call.connectedAt,
        },
        'call finished',
      );
      break;
    case 'line-status':
      events.push('line', event);
      logger.info(
        { phoneId: event.phoneId, status: event.status, detail: event.detail },
        'phone status',
      );
      break;
    case 'line-presence':
      events.push('presence', event);
      logger.info(
        {
          phoneId: event.phoneId,
          changed: event.changed,
          dnd: event.dnd,
          forwarding: event.forwarding,
          user: event.user,
          registered: event.registered,
        },
        'line presence',
      );
      break;
    case 'action-event':
      events.push('action-event', event);
      logger.debug(
        { phoneId: event.event.phoneId, kind: event.event.kind, source: event.event.source },
        'action event',
      );
      break;
  }
}

/**
 * Sends every hub event to the SSE buffer, the journal (finished calls), the log and the
 * webhooks, in that order. Returns the unsubscribe function.
 */
export function fanOutHub(hub: EventHub<SnomlinkEvent>, targets: HubFanOutTargets): () => void {
  const toWebhooks = targets.fromHub ?? true;
  return hub.subscribe((event) => {
    route(event, targets);
    if (toWebhooks) targets.webhooks.handle(event);
  });
}
