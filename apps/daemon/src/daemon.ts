import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLineModel, toDialable } from '@snomlink/core';
import type { ProvisionResult } from './api/schemas.js';
import { createScanScheduler } from '@snomlink/log-scanner';
import { createLocalBackbone } from './backbone/local-backbone.js';
import { toClusterView } from './cluster/cluster-view.js';
import { createDaemonAccess } from './daemon/access-wiring.js';
import { createActionUrlIntake } from './daemon/action-url-intake.js';
import { createAdminServer } from './daemon/admin-server.js';
import { wireCallerNames } from './daemon/caller-names-wiring.js';
import { reactToConfig } from './daemon/config-reactions.js';
import type { Daemon, DaemonAddresses, DaemonOptions } from './daemon/daemon-types.js';
import { fanOutHub } from './daemon/hub-fan-out.js';
import { createIntegrations } from './daemon/integrations.js';
import { journalLogHooks } from './daemon/journal-log.js';
import { createJournalledHub } from './daemon/journalled-hub.js';
import { createListenerController } from './daemon/listener-controller.js';
import { wireDaemonMetrics } from './daemon/metrics-wiring.js';
import { createPhoneIndex } from './daemon/phone-index.js';
import { createProvisioning } from './daemon/provisioning.js';
import { createSnomPhones } from './daemon/snom-phones.js';
import { shutDown } from './daemon/shutdown.js';
import { adminLocation, bindPorts } from './daemon/start-sequence.js';
import { createEventBuffer } from './events/event-buffer.js';
import { createWebhookDispatcher } from './events/webhooks.js';
import { createAdminApp } from './http/admin-app.js';
import { createDeferredJournal } from './journal/deferred-journal.js';
import { openJournal } from './journal/journal.js';
import { openJournalThread } from './journal/journal-thread.js';
import { VERSION } from './version.js';

export type { Daemon, DaemonAddresses, DaemonOptions, DaemonParts } from './daemon/daemon-types.js';
export type { HostPort } from './daemon/listener-controller.js';

/**
 * Wires listener, line model, phones, journal, SSE, webhooks and the admin API together. Opens
 * nothing: the journal database, sockets and timers belong to `start()`.
 */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, logger } = options;
  const cfg = (): typeof config.current => config.current;
  const journal = createDeferredJournal();
  // Delivers a finished call once the journal has written it (a kill -9 cannot lose a call a
  // reader saw end); cluster mode delivers at once (its journal is fed from the stream).
  // `backbone` is read at publish time, after it exists.
  const hub = createJournalledHub({ journal, journalled: () => backbone.changes.fanOutFromHub });
  // The seams cluster mode replaces (docs/cluster.md); the default is today's in-process wiring.
  const backbone =
    options.backbone?.({ hub }) ??
    createLocalBackbone({
      hub,
      lineModel: createLineModel({ hub, dialRules: cfg().dialing }),
      logger,
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    });
  const { ingress, ownership } = backbone;
  const lineModel = backbone.lines;
  const events = createEventBuffer({ capacity: 2000, ...backbone.sseIds });
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
  const phones = createSnomPhones({ hub, config, scheduler: scanScheduler, backbone, logger });
  const intake = createActionUrlIntake({
    config,
    logger,
    phoneIndex,
    admit: ingress.admit,
    onEvent: (event) => {
      ingress.accepted(event);
      if (ownership.owns(event.phoneId)) phones.notify(event);
    },
  });
  const { listener, portEvents } = intake;
  const listenerControl = createListenerController({
    listener,
    config,
    logger,
    listen: options.listen,
  });
  const provisioning = createProvisioning({
    config,
    phones,
    publicBase: () => listenerControl.publicBase(),
  });
  const { actionUrls, removeUrls, slots: provisionSlots } = provisioning;
  // Cluster mode: TAPI's provisioning runs at the phone's owner, like the API's (whose phone
  // routes register the `provision` command).
  const provision: Daemon['provision'] =
    backbone.mode === 'cluster'
      ? async (phoneId, action = 'write') =>
          (await backbone.commands.run(phoneId, 'provision', { action })) as ProvisionResult
      : provisioning.provision;
  const callerNames = wireCallerNames({ config, hub, logger, lineModel, journal });
  // MQTT bridge and missed-call mailer: started by start() when configured, closed by stop().
  const integrations = createIntegrations({ config: cfg, hub, phones, logger });
  const access = createDaemonAccess({ config, logger });

  const metrics = wireDaemonMetrics({
    hub,
    config,
    phones,
    lineModel,
    journal,
    events,
    webhooks,
    intake,
    callerNames,
    integrations,
    backbone,
  });

  const audit = access.audit;
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
    provisionSlots,
    toDialable,
    version: VERSION,
    demo: options.demo ?? false,
    startedAt: Date.now(),
    webUiDir: options.webUiDir,
    logger,
    trackStream: (close) => adminServer.trackStream(close),
    metrics,
    notify: { email: () => integrations.email() },
    integrations: () => integrations.health(),
    callerNames,
    access,
    // Cluster mode: phone commands run once, at the phone's owner.
    ...(backbone.mode === 'cluster' ? { commands: backbone.commands } : {}),
    cluster: () => {
      const status = backbone.clusterStatus();
      return status === null ? null : toClusterView(status);
    },
    mount: (a) =>
      options.mountAdmin?.(a, { config, hub, lineModel, phones, provision, metrics, audit }),
    adminAddress: () => run.adminAddress,
  });

  const unsubscribeHub = fanOutHub(hub, {
    events,
    webhooks,
    logger,
    fromHub: backbone.changes.fanOutFromHub,
  });
  const unsubscribeConfig = reactToConfig(config, {
    phoneIndex,
    lineModel,
    phones,
    journal,
    logger,
  });

  // The daemon's own run state (every part above keeps its state in its own object).
  const run: {
    stopping: Promise<void> | null;
    /** `host:port` of the admin URL once bound: an Origin naming it is same-origin. */
    adminAddress: string | null;
  } = {
    stopping: null,
    adminAddress: null,
  };

  const start = async (): Promise<DaemonAddresses> => {
    // Also when --config points elsewhere: a fresh machine has no data directory yet.
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const database = join(options.dataDir, 'journal.sqlite');
    const { retentionDays, writerThread } = cfg().journal;
    if (writerThread)
      logger.info({ file: database }, 'journal: SQLite writes from a worker thread');
    journal.open(
      { file: database, retentionDays, ...options.journal, ...journalLogHooks(logger) },
      writerThread
        ? (o) =>
            openJournalThread(
              o,
              options.startWriterThread ? { start: options.startWriterThread } : {},
            )
        : openJournal,
    );
    callerNames.start();
    access.open(database, () => cfg().journal.retentionDays);
    await phones.sync(cfg().phones);
    // Before any socket: a bad mqtt/notify section stops the start without delaying the ports.
    integrations.start();
    // Cluster mode: resolves once the read view caught up, so /api/calls is whole at the ports.
    await backbone.changes.start({ journal, webhooks });
    const adminHost = options.admin?.host ?? cfg().admin.host;
    await options.beforeBind?.();
    const adminPort = await bindPorts({
      adminServer,
      app,
      adminHost,
      adminPort: options.admin?.port ?? cfg().admin.port,
      listener: listenerControl,
      integrations,
    });
    phones.start();
    const location = adminLocation(adminHost, adminPort, cfg().admin.token);
    run.adminAddress = location.address;
    return {
      listener: listenerControl.status(),
      admin: { host: adminHost, port: adminPort },
      adminUrl: location.url,
    };
  };

  const stop = (): Promise<void> =>
    shutDown({
      logger,
      stopChanges: () => backbone.changes.stop(),
      onStop: options.onStop,
      servers: [() => listenerControl.close(), () => adminServer.close()],
      integrations: () => integrations.close(),
      producers: () => {
        portEvents.close();
        unsubscribeHub();
        unsubscribeConfig();
        metrics.close();
        webhooks.close();
        scanScheduler.close();
      },
      sources: [() => phones.stop(), () => callerNames.close()],
      access: () => {
        access.close();
      },
      journal: () => journal.close(),
    });

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
