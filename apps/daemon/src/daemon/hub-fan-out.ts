import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import type { EventBuffer } from '../events/event-buffer.js';
import { sseMessageOf } from '../events/sse-message.js';
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

/**
 * Logs one hub event (at the level its kind deserves). A call is one line at `info`, when it
 * finishes (like a call detail record); its state changes are `debug`: three or four `info`
 * lines per call were ~6 % of the daemon's CPU at saturation (issue 19), and the journal and
 * `/api/events` already carry every state change.
 */
function log(event: SnomlinkEvent, logger: Logger): void {
  switch (event.type) {
    case 'call-state':
      logger.debug(
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
    case 'call-info':
      logger.debug(
        { phoneId: event.call.phoneId, callId: event.call.id, fields: event.fields },
        'call info',
      );
      break;
    case 'call-finished':
      logger.info(
        {
          phoneId: event.call.phoneId,
          callId: event.call.id,
          direction: event.call.direction,
          remote: (event.call.direction === 'outbound' ? event.call.calledId : event.call.callerId)
            .canonical,
          mode: event.call.disconnectMode,
          missed: event.call.missed,
          durationMs:
            event.call.connectedAt === null ? 0 : event.call.endedAt - event.call.connectedAt,
        },
        'call finished',
      );
      break;
    case 'line-status':
      logger.info(
        { phoneId: event.phoneId, status: event.status, detail: event.detail },
        'phone status',
      );
      break;
    case 'line-presence':
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
      logger.debug(
        { phoneId: event.event.phoneId, kind: event.event.kind, source: event.event.source },
        'action event',
      );
      break;
  }
}

/** Buffers one hub event for SSE, journals a finished call, and logs it. */
function route(
  event: SnomlinkEvent,
  { events, journal, logger, fromHub = true }: HubFanOutTargets,
): void {
  const message = sseMessageOf(event);
  events.push(message.event, message.payload);
  if (fromHub && event.type === 'call-finished') journal.record(event.call);
  log(event, logger);
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
