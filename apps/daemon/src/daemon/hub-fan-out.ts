import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import type { EventBuffer } from '../events/event-buffer.js';
import { sseMessageOf } from '../events/sse-message.js';
import type { WebhookDispatcher } from '../events/webhooks.js';
import { withoutRedaction } from '../logger.js';

/** Where {@link fanOutHub} sends the hub's events. */
export interface HubFanOutTargets {
  /** The SSE replay buffer (`/api/events`). */
  readonly events: EventBuffer;
  readonly webhooks: Pick<WebhookDispatcher, 'handle'>;
  readonly logger: Logger;
  /**
   * Whether events go to the webhooks from here (default true). Cluster mode: false, the shared
   * webhook consumer sends them. (Finished calls are journalled before the hub delivers them:
   * journalled-hub.ts; in cluster mode from the journal log.)
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

/** Buffers one hub event for SSE and logs it. */
function route(event: SnomlinkEvent, { events, logger }: HubFanOutTargets): void {
  const message = sseMessageOf(event);
  events.push(message.event, message.payload);
  log(event, logger);
}

/**
 * Sends every hub event to the SSE buffer, the log and the webhooks, in that order. Returns the
 * unsubscribe function.
 */
export function fanOutHub(hub: EventHub<SnomlinkEvent>, targets: HubFanOutTargets): () => void {
  const toWebhooks = targets.fromHub ?? true;
  // Every line `log` writes picks its fields one by one, none of them a secret.
  const routed = { ...targets, logger: withoutRedaction(targets.logger) };
  return hub.subscribe((event) => {
    route(event, routed);
    if (toWebhooks) targets.webhooks.handle(event);
  });
}
