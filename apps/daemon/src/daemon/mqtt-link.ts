import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { toDialable } from '@snomlink/core';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import { createMqttBridge } from '@snomlink/mqtt';
import type {
  LinePresenceChange,
  MqttBridge,
  MqttBridgeOptions,
  MqttBridgeStatus,
  MqttTlsOptions,
} from '@snomlink/mqtt';
import type { Config, PhoneConfig } from '../config/config-schema.js';
import type { MqttConfig } from '../config/integrations-schema.js';
import { DaemonError } from '../errors.js';
import type { PhoneClient, PhoneManager } from '../phones/phone-manager.js';

/** The MQTT bridge as the daemon runs it. */
export interface MqttLink {
  status(): MqttBridgeStatus;
  /** Unsubscribes from the hub and closes the bridge (publishes `offline`). */
  close(): Promise<void>;
}

/** Options of {@link startMqttLink}. */
export interface MqttLinkOptions {
  readonly config: () => Config;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly phones: Pick<PhoneManager, 'get'>;
  readonly logger: Logger;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DaemonError(
      `cannot read mqtt.tls.${what} "${path}": ${error instanceof Error ? error.message : String(error)}; fix the path in the config`,
      { cause: error },
    );
  }
}

function tlsOptions(tls: NonNullable<MqttConfig['tls']>): MqttTlsOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.caFile === undefined ? {} : { ca: readPem(tls.caFile, 'caFile') }),
    ...(tls.certFile === undefined ? {} : { cert: readPem(tls.certFile, 'certFile') }),
    ...(tls.keyFile === undefined ? {} : { key: readPem(tls.keyFile, 'keyFile') }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  };
}

/** A DND Action URL as the bridge's `line-presence` change (core has no such event yet). */
function presenceOf(event: SnomlinkEvent): LinePresenceChange | null {
  if (event.type !== 'action-event') return null;
  const kind = event.event.kind;
  if (kind !== 'dnd-on' && kind !== 'dnd-off') return null;
  return {
    type: 'line-presence',
    phoneId: event.event.phoneId,
    dnd: kind === 'dnd-on',
    at: event.event.receivedAt,
  };
}

/**
 * Starts the MQTT bridge from the `mqtt` config section, or returns null when it is absent or
 * disabled. The bridge gets every hub event (it returns at once and queues while the broker is
 * away, so call handling never waits for it). Dial and DND commands, when enabled, go to the
 * phone's own HTTP control like `POST /api/phones/:id/dial`. Lines are the phones configured at
 * start; a phone added later is published after a restart.
 */
export function startMqttLink(options: MqttLinkOptions): MqttLink | null {
  const { logger } = options;
  const section = options.config().mqtt;
  if (section === undefined || !section.enabled) return null;
  const phones = options.config().phones;
  const byId = new Map<string, PhoneConfig>(phones.map((p) => [p.id, p]));
  const lineIds = section.lines ?? phones.map((p) => p.id);
  for (const id of [...lineIds, ...(section.commands.lines ?? [])]) {
    if (!byId.has(id))
      throw new DaemonError(
        `mqtt: line "${id}" is not a configured phone; use a phone id from "phones" (or remove it from mqtt.lines / mqtt.commands.lines)`,
      );
  }
  const log = logger.child({ component: 'mqtt' });
  const client = (lineId: string): PhoneClient => {
    const runtime = options.phones.get(lineId);
    if (runtime === undefined) throw new Error(`phone ${lineId} is no longer configured`);
    return runtime.client;
  };
  const bridgeRef: { current: MqttBridge | null } = { current: null };
  const commandsOn = section.commands.dial || section.commands.dnd;
  const bridgeOptions: MqttBridgeOptions = {
    url: section.url,
    ...(section.username === undefined ? {} : { username: section.username }),
    ...(section.password === undefined ? {} : { password: section.password }),
    ...(section.tls === undefined ? {} : { tls: tlsOptions(section.tls) }),
    topicPrefix: section.topicPrefix,
    discoveryPrefix: section.discoveryPrefix,
    lines: lineIds.map((id) => {
      const phone = byId.get(id);
      return {
        id,
        name: phone?.name || id,
        ...(phone === undefined ? {} : { model: phone.model }),
      };
    }),
    maxQueue: section.maxQueue,
    reconnectPeriodMs: section.reconnectPeriodMs,
    connectTimeoutMs: section.connectTimeoutMs,
    ...(section.clientId === undefined ? {} : { clientId: section.clientId }),
    logger: log,
    ...(commandsOn
      ? {
          commands: {
            ...(section.commands.lines === undefined ? {} : { lines: section.commands.lines }),
            ...(section.commands.dial
              ? {
                  onDial: async ({ lineId, number }) => {
                    const dialable = toDialable(number, options.config().dialing);
                    if (!dialable.success) {
                      log.warn(
                        { lineId, issues: dialable.issues.map((i) => i.message) },
                        'mqtt dial command refused: not a dialable number',
                      );
                      return;
                    }
                    await client(lineId).dial(dialable.output);
                    log.info({ phoneId: lineId, dialed: dialable.output }, 'dial requested (mqtt)');
                  },
                }
              : {}),
            ...(section.commands.dnd
              ? {
                  onDnd: async ({ lineId, enabled }) => {
                    // snom's `dnd_mode` setting; the phone confirms through its DND Action URL.
                    await client(lineId).writeSettings({ dnd_mode: enabled ? 'on' : 'off' });
                    log.info({ phoneId: lineId, dnd: enabled }, 'DND set (mqtt)');
                    bridgeRef.current?.publish({
                      type: 'line-presence',
                      phoneId: lineId,
                      dnd: enabled,
                      at: Date.now(),
                    });
                  },
                }
              : {}),
          },
        }
      : {}),
  };
  const bridge = createMqttBridge(bridgeOptions);
  bridgeRef.current = bridge;
  const unsubscribe = options.hub.subscribe((event) => {
    bridge.publish(event);
    const presence = presenceOf(event);
    if (presence !== null) bridge.publish(presence);
  });
  log.info(
    { lines: lineIds.length, commands: commandsOn, topicPrefix: section.topicPrefix },
    'MQTT bridge started',
  );
  return {
    status: () => bridge.status(),
    async close() {
      unsubscribe();
      await bridge.close();
    },
  };
}
