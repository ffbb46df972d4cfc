import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import type { MqttBridgeStatus } from '@snomlink/mqtt';
import type { MissedCallMailerStatus } from '@snomlink/notify';
import type { Health } from '../api/schemas.js';
import type { Config } from '../config/config-schema.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { startEmailNotify } from './email-notify.js';
import type { EmailNotify } from './email-notify.js';
import { startMqttLink } from './mqtt-link.js';
import type { MqttLink } from './mqtt-link.js';

/** Options of {@link createIntegrations}. */
export interface IntegrationsOptions {
  readonly config: () => Config;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly phones: Pick<PhoneManager, 'get'>;
  readonly logger: Logger;
}

/**
 * The optional integrations, the MQTT bridge and the missed-call mailer: absent until
 * {@link Integrations.start}, and only when configured.
 */
export interface Integrations {
  /**
   * Starts what the config enables. Throws on a bad `mqtt`/`notify` section (unknown line,
   * unreadable TLS file); neither connects synchronously, so neither delays the ports.
   */
  start(): void;
  /** Closes both (bounded waits: calls finished by now still reach the broker and the mail queue). */
  close(): Promise<void>;
  mqttStatus(): MqttBridgeStatus | null;
  emailStatus(): MissedCallMailerStatus | null;
  /** The running mailer, for `POST /api/notify/test`. */
  email(): EmailNotify | null;
  /** The `mqtt` and `notify` parts of `GET /api/health` (absent when not running). */
  health(): Pick<Health, 'mqtt' | 'notify'>;
}

/** The `mqtt` part of `GET /api/health`. */
export function mqttHealth(status: MqttBridgeStatus): NonNullable<Health['mqtt']> {
  return {
    connected: status.connected,
    queued: status.queued,
    dropped: status.dropped,
    published: status.published,
    failed: status.failed,
    lastError: status.lastError,
  };
}

/** Creates the daemon's (not yet started) integrations. */
export function createIntegrations(options: IntegrationsOptions): Integrations {
  const running: { mqtt: MqttLink | null; email: EmailNotify | null } = {
    mqtt: null,
    email: null,
  };
  return {
    start() {
      running.mqtt = startMqttLink(options);
      running.email = startEmailNotify(options);
    },
    async close() {
      await Promise.all([running.mqtt?.close(), running.email?.close()]);
    },
    mqttStatus: () => running.mqtt?.status() ?? null,
    emailStatus: () => running.email?.status() ?? null,
    email: () => running.email,
    health() {
      return {
        ...(running.mqtt === null ? {} : { mqtt: mqttHealth(running.mqtt.status()) }),
        ...(running.email === null ? {} : { notify: { email: running.email.status() } }),
      };
    },
  };
}
