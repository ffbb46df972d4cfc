import type { Logger } from 'pino';
import type { EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';
import { createLineFeed } from '../daemon/line-feed.js';
import type { Backbone, CommandBus } from './backbone-types.js';

/** Options of {@link createLocalBackbone}. */
export interface LocalBackboneOptions {
  readonly hub: EventHub<SnomlinkEvent>;
  /** Core's line model, publishing to `hub`. */
  readonly lineModel: LineModel;
  readonly logger: Logger;
  /** Line model tick period. Default 1000. */
  readonly tickMs?: number;
}

/** Runs commands here, by name (the local command bus, also the owner side of the cluster's). */
export function createLocalCommandBus(): CommandBus & {
  runHere(phoneId: string, name: string, args: unknown): Promise<unknown>;
} {
  const handlers = new Map<string, (phoneId: string, args: unknown) => Promise<unknown>>();
  const runHere = (phoneId: string, name: string, args: unknown): Promise<unknown> => {
    const handler = handlers.get(name);
    if (handler === undefined) return Promise.reject(new Error(`unknown command ${name}`));
    return handler(phoneId, args);
  };
  return {
    run: runHere,
    runHere,
    handle(name, handler) {
      handlers.set(name, handler);
    },
  };
}

/**
 * Today's in-process wiring as a {@link Backbone}: phones are answered at once, events go
 * straight into core's line model (which publishes to the hub), every phone is owned, commands
 * run here, and the hub feeds the journal and the webhooks.
 */
export function createLocalBackbone(options: LocalBackboneOptions): Backbone {
  const { hub, lineModel, logger } = options;
  const feed = createLineFeed({ hub, lineModel, logger });
  let stopTicking = (): void => undefined;
  return {
    mode: 'local',
    ingress: {
      admit: undefined,
      accepted(event) {
        feed.apply(event);
      },
      submit(event) {
        feed.apply(event);
      },
    },
    ownership: {
      owns: () => true,
      onChange: () => () => undefined,
    },
    lines: lineModel,
    changes: {
      fanOutFromHub: true,
      start() {
        stopTicking = feed.startTicking(options.tickMs ?? 1000);
        return Promise.resolve();
      },
      stop() {
        stopTicking();
        return Promise.resolve();
      },
    },
    commands: createLocalCommandBus(),
    clusterStatus: () => null,
  };
}
