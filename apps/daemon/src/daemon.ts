import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  capabilityClassForModel,
  createEventHub,
  createLineModel,
  toDialable,
} from '@snomlink/core';
import type { ActionEvent, SnomlinkEvent } from '@snomlink/core';
import { buildActionUrls, createListener, removeActionUrls } from '@snomlink/listener';
import { createScanScheduler } from '@snomlink/log-scanner';
import type { Health, ProvisionResult } from './api/schemas.js';
import type { PhoneConfig } from './config/config-schema.js';
import { createAdminServer } from './daemon/admin-server.js';
import { reactToConfig } from './daemon/config-reactions.js';
import type { Daemon, DaemonAddresses, DaemonOptions } from './daemon/daemon-types.js';
import { startEmailNotify } from './daemon/email-notify.js';
import type { EmailNotify } from './daemon/email-notify.js';
import { fanOutHub } from './daemon/hub-fan-out.js';
import { journalLogHooks } from './daemon/journal-log.js';
import { createListenerController } from './daemon/listener-controller.js';
import { startMqttLink } from './daemon/mqtt-link.js';
import type { MqttLink } from './daemon/mqtt-link.js';
import { createPhonePortEvents } from './daemon/phone-port-events.js';
import { createPhoneIndex } from './daemon/phone-index.js';
import { formatHost, isWildcardHost } from './daemon/public-base.js';
import { createSnomPhones } from './daemon/snom-phones.js';
import { createEventBuffer } from './events/event-buffer.js';
import { createWebhookDispatcher } from './events/webhooks.js';
import { createAdminApp } from './http/admin-app.js';
import { createCallerNames } from './directory/caller-names.js';
import { createDeferredJournal } from './journal/deferred-journal.js';
import { createDaemonMetrics } from './metrics/daemon-metrics.js';
import {
  emailNotifyMetrics,
  mqttMetrics,
  phonePortMetrics,
} from './metrics/integration-metrics.js';
import { createAuditLog } from './audit/audit-log.js';
import { createTokenUsage } from './users/token-usage.js';
import { createTokenVerifier } from './users/token-verifier.js';
import { createUserStore } from './users/user-store.js';
import { createActionUrlRejections } from './phones/action-url-rejections.js';
import { provisionPhone } from './phones/provision.js';
import { VERSION } from './version.js';

export type { Daemon, DaemonAddresses, DaemonOptions, DaemonParts } from './daemon/daemon-types.js';
export type { HostPort } from './daemon/listener-controller.js';

/** The `mqtt` part of `GET /api/health`. */
function mqttHealth(link: MqttLink): NonNullable<Health['mqtt']> {
  const s = link.status();
  return {
    connected: s.connected,
    queued: s.queued,
    dropped: s.dropped,
    published: s.published,
    failed: s.failed,
    lastError: s.lastError,
  };
}

/**
 * Wires listener, line model, phones, journal, SSE, webhooks and the admin API together. Opens
 * nothing: the journal database, sockets and timers belong to `start()`.
 */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, logger } = options;
  const cfg = (): typeof config.current => config.current;
  const hub = createEventHub<SnomlinkEvent>();
  const lineModel = createLineModel({ hub, dialRules: cfg().dialing });
  const events = createEventBuffer({ capacity: 2000 });
  const journal = createDeferredJournal();
  const webhooks = createWebhookDispatcher({
    webhooks: () => cfg().webhooks,
    onFailure: (webhook, _url, error) => {
      logger.warn(
        { webhook: webhook.id, event: webhook.event, err: error },
        'webhook delivery failed',
      );
    },
  });
  const scanScheduler = createScanScheduler({ concurrency: 16 });
  const phoneIndex = createPhoneIndex(cfg().phones);

  const applyEvent = (event: ActionEvent): void => {
    hub.publish({ type: 'action-event', event });
    try {
      lineModel.apply(event);
    } catch (error) {
      logger.error(
        { err: error, phoneId: event.phoneId, kind: event.kind },
        'line model rejected an event',
      );
    }
  };
  const phones = createSnomPhones({
    hub,
    config,
    scheduler: scanScheduler,
    onScanEvent: applyEvent,
    logger,
  });

  const rejections = createActionUrlRejections({
    logger,
    isConfiguredPhone: (id) => phoneIndex.has(id),
  });
  const portEvents = createPhonePortEvents({ logger });
  const { rateLimit, ...limits } = cfg().listener.limits;
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
    onEvent: (event) => {
      applyEvent(event);
      phones.notify(event);
    },
    checkSourceAddress: cfg().listener.checkSourceAddress,
    onCallbackError: (error, event) => {
      logger.error({ err: error, phoneId: event.phoneId }, 'handling an Action URL event failed');
    },
  });
  const listenerControl = createListenerController({
    listener,
    config,
    logger,
    listen: options.listen,
  });

  const actionUrls = (phone: PhoneConfig): Record<string, string> =>
    buildActionUrls({
      publicBase: listenerControl.publicBase(),
      phoneId: phone.id,
      secret: phone.secret,
      capabilities: capabilityClassForModel(phone.model),
    });
  const removeUrls = (phone: PhoneConfig): Record<string, string> =>
    removeActionUrls(capabilityClassForModel(phone.model));
  const provision = async (
    phoneId: string,
    action: 'write' | 'remove' = 'write',
  ): Promise<ProvisionResult> => {
    const phone = cfg().phones.find((p) => p.id === phoneId);
    const runtime = phones.get(phoneId);
    if (phone === undefined || runtime === undefined) throw new Error(`unknown phone ${phoneId}`);
    const settings = action === 'write' ? actionUrls(phone) : removeUrls(phone);
    return provisionPhone(runtime.client, phoneId, settings, action);
  };

  // Caller names: looked up in the background, added to a live call as a `directory-name` step.
  const callerNames = createCallerNames({
    config,
    hub,
    logger,
    isLive: (callId) => lineModel.getCall(callId) !== undefined,
    annotate: (found) => {
      lineModel.applyDirectoryName({
        callId: found.callId,
        party: found.party,
        number: found.number,
        name: found.match.name,
      });
    },
    onLateName: (found) => {
      journal.setDirectoryName(found, found.party, found.match.name);
    },
  });

  const metrics = createDaemonMetrics({
    hub,
    phones: () =>
      cfg().phones.map((p) => ({ id: p.id, status: phones.get(p.id)?.health.status ?? 'unknown' })),
    liveCallPhones: () => lineModel.liveCalls().map((call) => call.phoneId),
    journal,
    sseClients: () => events.subscriberCount,
    webhooks: () => webhooks.stats,
    listenerActive: () => listener.state === 'active',
    actionUrlRejections: () => rejections.counts(),
    directory: () => ({
      sources: callerNames.health(),
      lookups: callerNames.stats.lookups,
      found: callerNames.stats.found,
    }),
    version: VERSION,
    sections: [
      phonePortMetrics(
        () => listener.stats(),
        () => portEvents.counts(),
      ),
      mqttMetrics(() => integrations.mqtt?.status() ?? null),
      emailNotifyMetrics(() => integrations.email?.status() ?? null),
    ],
  });

  // MQTT bridge and missed-call mailer: started by start() when configured, closed by stop().
  const integrations: { mqtt: MqttLink | null; email: EmailNotify | null } = {
    mqtt: null,
    email: null,
  };
  // Users and scoped tokens live in the config; the audit log and last-used times in the
  // journal's database (opened in start()).
  const audit = createAuditLog();
  const verifier = createTokenVerifier({ users: () => cfg().users });
  const usage = createTokenUsage({
    save: (rows) => {
      audit.saveTokenUsage(rows);
    },
    onError: (error: unknown) => {
      logger.warn({ err: error }, "storing the tokens' last-used times failed; retrying later");
    },
  });
  const users = createUserStore({ config, verifier, usage });

  const adminServer = createAdminServer({ onServer: options.onAdminServer });
  const app = createAdminApp({
    config,
    phones,
    lineModel,
    journal,
    events,
    listener: listenerControl,
    actionUrls,
    removeActionUrls: removeUrls,
    toDialable,
    version: VERSION,
    demo: options.demo ?? false,
    startedAt: Date.now(),
    webUiDir: options.webUiDir,
    logger,
    trackStream: (close) => adminServer.trackStream(close),
    metrics,
    notify: { email: () => integrations.email },
    integrations: () => ({
      ...(integrations.mqtt === null ? {} : { mqtt: mqttHealth(integrations.mqtt) }),
      ...(integrations.email === null ? {} : { notify: { email: integrations.email.status() } }),
    }),
    callerNames,
    access: { verifier, usage, users, audit },
    mount: (a) =>
      options.mountAdmin?.(a, { config, hub, lineModel, phones, provision, metrics, audit }),
    adminAddress: () => run.adminAddress,
  });

  const unsubscribeHub = fanOutHub(hub, { events, journal, webhooks, logger });
  const unsubscribeConfig = reactToConfig(config, {
    phoneIndex,
    lineModel,
    phones,
    journal,
    logger,
  });

  // The daemon's own run state (every part above keeps its state in its own object).
  const run: {
    ticker: NodeJS.Timeout | undefined;
    stopping: Promise<void> | null;
    /** `host:port` of the admin URL once bound: an Origin naming it is same-origin. */
    adminAddress: string | null;
  } = {
    ticker: undefined,
    stopping: null,
    adminAddress: null,
  };

  const start = async (): Promise<DaemonAddresses> => {
    // Also when --config points elsewhere: a fresh machine has no data directory yet.
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    journal.open({
      file: join(options.dataDir, 'journal.sqlite'),
      retentionDays: cfg().journal.retentionDays,
      ...options.journal,
      ...journalLogHooks(logger),
    });
    callerNames.start();
    audit.open({
      file: join(options.dataDir, 'journal.sqlite'),
      retentionDays: () => cfg().journal.retentionDays,
      onWriteError: (error) => {
        logger.error(
          { err: error },
          'AUDIT LOG WRITE FAILED; the records stay queued and are retried',
        );
      },
    });
    usage.load(audit.loadTokenUsage());
    await phones.sync(cfg().phones);
    // Before any socket: a bad mqtt/notify section (unknown line, unreadable TLS file) stops the
    // start. Neither connects synchronously, so neither can delay the ports.
    integrations.mqtt = startMqttLink({ config: cfg, hub, phones, logger });
    integrations.email = startEmailNotify({ config: cfg, hub, logger });
    const adminHost = options.admin?.host ?? cfg().admin.host;
    let adminPort: number;
    try {
      adminPort = await adminServer.listen(app, adminHost, options.admin?.port ?? cfg().admin.port);
      try {
        await listenerControl.startAtBoot();
      } catch (error) {
        await adminServer.close();
        throw error;
      }
    } catch (error) {
      await Promise.all([integrations.mqtt?.close(), integrations.email?.close()]);
      throw error;
    }
    run.ticker = setInterval(() => {
      try {
        lineModel.tick();
      } catch (error) {
        logger.error({ err: error }, 'line model tick failed');
      }
    }, options.tickMs ?? 1000);
    run.ticker.unref();
    phones.start();
    const urlHost = isWildcardHost(adminHost) ? '127.0.0.1' : adminHost;
    run.adminAddress = `${formatHost(urlHost)}:${String(adminPort)}`;
    return {
      listener: listenerControl.status(),
      admin: { host: adminHost, port: adminPort },
      adminUrl: `http://${formatHost(urlHost)}:${String(adminPort)}/?token=${encodeURIComponent(cfg().admin.token)}`,
    };
  };

  // Shutdown order: API extensions, then both servers, then the producers, then the journal.
  const stop = async (): Promise<void> => {
    if (run.ticker !== undefined) clearInterval(run.ticker);
    await options.onStop?.().catch((error: unknown) => {
      logger.warn({ err: error }, 'stopping the TAPI bridge failed');
    });
    await Promise.all([listenerControl.close(), adminServer.close()]);
    // Calls finished by now still reach the broker and the mail queue (bounded waits).
    await Promise.all([integrations.mqtt?.close(), integrations.email?.close()]);
    portEvents.close();
    unsubscribeHub();
    unsubscribeConfig();
    metrics.close();
    webhooks.close();
    scanScheduler.close();
    await Promise.all([phones.stop(), callerNames.close()]);
    usage.close();
    const lostAudit = audit.close();
    if (lostAudit > 0)
      logger.error(
        { lost: lostAudit },
        `AUDIT LOG WRITE FAILED at shutdown: ${String(lostAudit)} records lost`,
      );
    const unwritten = journal.close();
    if (unwritten > 0)
      logger.error(
        { unwritten },
        `JOURNAL WRITE FAILED at shutdown: ${String(unwritten)} finished calls were not journalled`,
      );
  };

  return {
    config,
    hub,
    lineModel,
    phones,
    journal,
    events,
    metrics,
    audit,
    app,
    actionUrls,
    listenerStatus: () => listenerControl.status(),
    provision,
    start,
    stop() {
      run.stopping ??= stop();
      return run.stopping;
    },
  };
}
