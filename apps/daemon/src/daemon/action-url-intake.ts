import type { Logger } from 'pino';
import type { ActionEvent } from '@snomlink/core';
import { createListener } from '@snomlink/listener';
import type { Listener } from '@snomlink/listener';
import type { ConfigStore } from '../config/config-store.js';
import { createActionUrlRejections } from '../phones/action-url-rejections.js';
import type { ActionUrlRejections } from '../phones/action-url-rejections.js';
import { createPhonePortEvents } from './phone-port-events.js';
import type { PhonePortEvents } from './phone-port-events.js';
import type { PhoneIndex } from './phone-index.js';

/** Options of {@link createActionUrlIntake}. */
export interface ActionUrlIntakeOptions {
  /** Limits and the source-address check are read once, here. */
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly phoneIndex: PhoneIndex;
  /** Every accepted Action URL event (after its admission, when there is one). */
  readonly onEvent: (event: ActionEvent) => void;
  /** Awaited before a phone's 200 (cluster mode: the stream's ack); undefined: answer at once. */
  readonly admit?: ((event: ActionEvent) => Promise<void>) | undefined;
}

/** The phone-facing Action URL listener with the records of what it refused and saw. */
export interface ActionUrlIntake {
  readonly listener: Listener;
  /** Refused requests (unknown phone, bad secret, …), counted and logged. */
  readonly rejections: ActionUrlRejections;
  /** Connection events of the phone port (limits hit, slow clients), counted and logged. */
  readonly portEvents: PhonePortEvents;
}

/** Creates the (not yet listening) Action URL listener of a daemon. */
export function createActionUrlIntake(options: ActionUrlIntakeOptions): ActionUrlIntake {
  const { config, logger, phoneIndex } = options;
  const rejections = createActionUrlRejections({
    logger,
    isConfiguredPhone: (id) => phoneIndex.has(id),
  });
  const portEvents = createPhonePortEvents({ logger });
  const { rateLimit, ...limits } = config.current.listener.limits;
  const listener = createListener({
    ...limits,
    rateLimit,
    onConnectionEvent: (event) => {
      portEvents.record(event);
    },
    logger: {
      error: (message, error) => {
        logger.error({ err: error }, `Action URL listener: ${message}`);
      },
    },
    resolvePhone: (id) => phoneIndex.get(id),
    onReject: (rejection) => {
      rejections.record(rejection);
    },
    onEvent: options.onEvent,
    ...(options.admit === undefined ? {} : { admit: options.admit }),
    checkSourceAddress: config.current.listener.checkSourceAddress,
    onCallbackError: (error, event) => {
      logger.error({ err: error, phoneId: event.phoneId }, 'handling an Action URL event failed');
    },
  });
  return { listener, rejections, portEvents };
}
