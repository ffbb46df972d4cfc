import type { EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';
import type { Backbone } from '../backbone/backbone-types.js';
import type { ConfigStore } from '../config/config-store.js';
import type { CallerNames } from '../directory/caller-names.js';
import type { EventBuffer } from '../events/event-buffer.js';
import type { WebhookDispatcher } from '../events/webhooks.js';
import type { Journal } from '../journal/journal.js';
import { createDaemonMetrics } from '../metrics/daemon-metrics.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { clusterMetrics } from '../metrics/cluster-metrics.js';
import {
  emailNotifyMetrics,
  mqttMetrics,
  phonePortMetrics,
} from '../metrics/integration-metrics.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { VERSION } from '../version.js';
import type { ActionUrlIntake } from './action-url-intake.js';
import type { Integrations } from './integrations.js';

/** The daemon's parts whose figures `/api/metrics` shows (read when scraped, never copied). */
export interface MetricsParts {
  readonly hub: EventHub<SnomlinkEvent>;
  readonly config: ConfigStore;
  readonly phones: PhoneManager;
  readonly lineModel: LineModel;
  readonly journal: Pick<Journal, 'status' | 'writeFailures'>;
  readonly events: Pick<EventBuffer, 'subscriberCount'>;
  readonly webhooks: Pick<WebhookDispatcher, 'stats'>;
  readonly intake: ActionUrlIntake;
  readonly callerNames: CallerNames;
  readonly integrations: Integrations;
  readonly backbone: Pick<Backbone, 'clusterStatus'>;
}

/**
 * The daemon's metrics over its parts: the core families (phones, calls, journal, SSE,
 * webhooks, listener, directory) and the sections of the phone port, MQTT, e-mail and cluster.
 */
export function wireDaemonMetrics(parts: MetricsParts): DaemonMetrics {
  const { phones, intake, callerNames, integrations } = parts;
  return createDaemonMetrics({
    hub: parts.hub,
    phones: () =>
      parts.config.current.phones.map((p) => ({
        id: p.id,
        status: phones.get(p.id)?.health.status ?? 'unknown',
      })),
    liveCallPhones: () => parts.lineModel.liveCalls().map((call) => call.phoneId),
    journal: parts.journal,
    sseClients: () => parts.events.subscriberCount,
    webhooks: () => parts.webhooks.stats,
    listenerActive: () => intake.listener.state === 'active',
    actionUrlRejections: () => intake.rejections.counts(),
    directory: () => ({
      sources: callerNames.health(),
      lookups: callerNames.stats.lookups,
      found: callerNames.stats.found,
    }),
    version: VERSION,
    sections: [
      phonePortMetrics(
        () => intake.listener.stats(),
        () => intake.portEvents.counts(),
      ),
      mqttMetrics(() => integrations.mqttStatus()),
      emailNotifyMetrics(() => integrations.emailStatus()),
      clusterMetrics(() => parts.backbone.clusterStatus()),
    ],
  });
}
