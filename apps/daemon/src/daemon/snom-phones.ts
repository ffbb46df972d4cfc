import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import { createLogScanner } from '@snomlink/log-scanner';
import type { ScanScheduler } from '@snomlink/log-scanner';
import { createSnomClient, createSnomDispatcher } from '@snomlink/snom-client';
import type { Backbone } from '../backbone/backbone-types.js';
import type { ConfigStore } from '../config/config-store.js';
import { createPhoneManager } from '../phones/phone-manager.js';
import type { PhoneManager, SharedHealthChecks } from '../phones/phone-manager.js';

/** Options of {@link createSnomPhones}. */
export interface SnomPhonesOptions {
  readonly hub: EventHub<SnomlinkEvent>;
  /** Health period and phone timeout are read from it. */
  readonly config: ConfigStore;
  /** Shared by every phone's log scanner. */
  readonly scheduler: ScanScheduler;
  /**
   * The seams the phones act through: log scans' inferred events go to `ingress` for owned
   * phones; in cluster mode only owned phones are checked and their health is `health`'s
   * (published by the owner, shown on every daemon; phone-manager.ts).
   */
  readonly backbone: Pick<Backbone, 'ingress' | 'ownership' | 'health'>;
  readonly logger: Logger;
}

/**
 * The daemon's phone manager over real phones: a snom-client per phone (credentials, scheme
 * and timeout from the config) and a log scanner for phones that need one. All clients share
 * one undici dispatcher per certificate policy (two at most) instead of one Agent per phone.
 */
export function createSnomPhones(options: SnomPhonesOptions): PhoneManager {
  const { config, logger } = options;
  const { ingress, ownership, health } = options.backbone;
  const sharedHealth: SharedHealthChecks | undefined =
    health === undefined
      ? undefined
      : { owns: (phoneId) => ownership.owns(phoneId), publish: health.publish.bind(health) };
  const dispatchers = new Map<boolean, ReturnType<typeof createSnomDispatcher>>();
  const dispatcherFor = (rejectUnauthorized: boolean): ReturnType<typeof createSnomDispatcher> => {
    let dispatcher = dispatchers.get(rejectUnauthorized);
    if (dispatcher === undefined) {
      dispatcher = createSnomDispatcher({ rejectUnauthorized });
      dispatchers.set(rejectUnauthorized, dispatcher);
    }
    return dispatcher;
  };
  const manager = createPhoneManager({
    hub: options.hub,
    healthIntervalMs: config.current.health.intervalMs,
    healthMaxChecksPerSecond: config.current.health.maxChecksPerSecond,
    ...(sharedHealth === undefined ? {} : { sharedHealth }),
    createClient: (phone) =>
      createSnomClient({
        host: phone.host,
        scheme: phone.scheme,
        ...(phone.username === null ? {} : { username: phone.username }),
        ...(phone.password === null ? {} : { password: phone.password }),
        auth: phone.auth,
        model: phone.model,
        timeoutMs: config.current.health.phoneTimeoutMs,
        rejectUnauthorized: phone.rejectUnauthorized,
        dispatcher: dispatcherFor(phone.rejectUnauthorized),
      }),
    createScanner: (phone, client) =>
      createLogScanner({
        phoneId: phone.id,
        client,
        scheduler: options.scheduler,
        onEvent: (event) => {
          if (ownership.owns(event.phoneId)) ingress.submit(event);
        },
        onStatus: (status) => {
          logger.info({ phoneId: phone.id, state: status.state }, 'log scan status');
        },
      }),
  });
  const unsubscribe = [
    health?.onHealth((phoneId, published) => {
      manager.applyHealth(phoneId, published);
    }),
    ownership.onChange(() => {
      manager.ownershipChanged();
    }),
  ];
  return {
    ...manager,
    async stop() {
      for (const off of unsubscribe) off?.();
      await manager.stop();
      const all = [...dispatchers.values()];
      dispatchers.clear();
      await Promise.all(all.map((d) => d.close()));
    },
  };
}
