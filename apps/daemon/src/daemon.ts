import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import {
  capabilityClassForModel,
  createEventHub,
  createLineModel,
  toDialable,
} from '@snomlink/core';
import type { ActionEvent, EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';
import {
  buildActionUrls,
  createListener,
  isListenerStartError,
  removeActionUrls,
} from '@snomlink/listener';
import type { Listener, ListenerPhone } from '@snomlink/listener';
import { createLogScanner, createScanScheduler } from '@snomlink/log-scanner';
import { createSnomClient } from '@snomlink/snom-client';
import type {
  ListenerStatus,
  ListenerUpdate,
  ListenerUpdateResult,
  SseCallEvent,
} from './api/schemas.js';
import type { Config, PhoneConfig } from './config/config-schema.js';
import type { ConfigStore } from './config/config-store.js';
import { ApiError, DaemonStartError } from './errors.js';
import { createEventBuffer } from './events/event-buffer.js';
import type { EventBuffer } from './events/event-buffer.js';
import { createWebhookDispatcher } from './events/webhooks.js';
import { createAdminApp } from './http/admin-app.js';
import type { ListenerControl } from './http/admin-app.js';
import { openJournal } from './journal/journal.js';
import type { Journal, JournalOptions } from './journal/journal.js';
import { createDaemonMetrics } from './metrics/daemon-metrics.js';
import { createActionUrlRejections } from './phones/action-url-rejections.js';
import type { DaemonMetrics } from './metrics/daemon-metrics.js';
import { createPhoneManager } from './phones/phone-manager.js';
import type { PhoneManager } from './phones/phone-manager.js';
import { provisionPhone } from './phones/provision.js';
import type { ProvisionResult } from './api/schemas.js';
import { VERSION } from './version.js';

/** `host:port` given on the command line or in the environment. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link createDaemon}. */
export interface DaemonOptions {
  readonly config: ConfigStore;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Overrides of config.listener / config.admin for this run (`--listen`, `--admin`). */
  readonly listen?: HostPort;
  readonly admin?: HostPort;
  /** Built web UI, or null to serve none. */
  readonly webUiDir: string | null;
  readonly demo?: boolean;
  /** Extra routes on the admin app, after auth (the TAPI WebSocket). */
  readonly mountAdmin?: (app: Hono, parts: DaemonParts) => void;
  /** Called with the admin HTTP server once it exists (WebSocket upgrade injection). */
  readonly onAdminServer?: (server: Server) => void;
  /** Called first when the daemon stops (close WebSockets). */
  readonly onStop?: () => Promise<void>;
  /** Line model tick period. Default 1000. */
  readonly tickMs?: number;
  /** Journal tuning (tests): busy timeout, retry backoff, queue size. */
  readonly journal?: Pick<
    JournalOptions,
    'busyTimeoutMs' | 'retryInitialMs' | 'retryMaxMs' | 'maxPending' | 'closeBusyTimeoutMs'
  >;
}

/** Where the daemon ended up listening. */
export interface DaemonAddresses {
  readonly listener: ListenerStatus;
  readonly admin: HostPort;
  /** `http://127.0.0.1:8090/?token=…` */
  readonly adminUrl: string;
}

/** What an admin-app extension (the TAPI route) gets to work with. */
export type DaemonParts = Pick<
  Daemon,
  'config' | 'hub' | 'lineModel' | 'phones' | 'provision' | 'metrics'
>;

/** The running daemon's parts, for the CLI, the demo, the TAPI mount and tests. */
export interface Daemon {
  readonly config: ConfigStore;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly lineModel: LineModel;
  readonly phones: PhoneManager;
  readonly journal: Journal;
  readonly events: EventBuffer;
  /** Counters and gauges behind `GET /api/metrics`. */
  readonly metrics: DaemonMetrics;
  readonly app: Hono;
  start(): Promise<DaemonAddresses>;
  /** Stops accepting, ends streams, finishes in-flight requests, flushes the journal. */
  stop(): Promise<void>;
  /** Writes (or removes) a phone's Action URLs and verifies them. */
  provision(phoneId: string, action?: 'write' | 'remove'): Promise<ProvisionResult>;
  /** The Action URL settings of a phone. */
  actionUrls(phone: PhoneConfig): Record<string, string>;
  listenerStatus(): ListenerStatus;
}

/** The first non-internal IPv4 address, for the Action URLs phones call back on. */
export function guessLanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listenServer(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Wires listener, line model, phones, journal, SSE, webhooks and the admin API together. */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, logger } = options;
  const startedAt = Date.now();
  const hub = createEventHub<SnomlinkEvent>();
  const cfg = (): Config => config.current;
  const lineModel = createLineModel({ hub, dialRules: cfg().dialing });
  const events = createEventBuffer({ capacity: 2000 });
  const journal = openJournal({
    file: join(options.dataDir, 'journal.sqlite'),
    retentionDays: cfg().journal.retentionDays,
    ...options.journal,
    onOverflow: (dropped, total) => {
      logger.error(
        { dropped, droppedTotal: total },
        `JOURNAL QUEUE FULL: ${String(dropped)} finished calls dropped without being journalled (${String(total)} since start)`,
      );
    },
    onStatus: (status) => {
      if (status.ok)
        logger.warn({ pending: status.pending }, 'journal recovered; pending calls written');
      else
        logger.error(
          { err: status.error, pending: status.pending },
          'JOURNAL WRITE FAILED; calls are kept in memory and retried',
        );
    },
  });
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

  // Phones by id for the listener's per-request lookup.
  let phoneIndex = new Map<string, ListenerPhone>();
  const rebuildIndex = (phones: readonly PhoneConfig[]): void => {
    phoneIndex = new Map(phones.map((p) => [p.id, { id: p.id, secret: p.secret, host: p.host }]));
  };
  rebuildIndex(cfg().phones);

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

  const phones = createPhoneManager({
    hub,
    healthIntervalMs: cfg().health.intervalMs,
    createClient: (phone) =>
      createSnomClient({
        host: phone.host,
        scheme: phone.scheme,
        ...(phone.username === null ? {} : { username: phone.username }),
        ...(phone.password === null ? {} : { password: phone.password }),
        auth: phone.auth,
        model: phone.model,
        timeoutMs: cfg().health.phoneTimeoutMs,
        rejectUnauthorized: phone.rejectUnauthorized,
      }),
    createScanner: (phone, client) =>
      createLogScanner({
        phoneId: phone.id,
        client,
        scheduler: scanScheduler,
        onEvent: applyEvent,
        onStatus: (status) => {
          logger.info({ phoneId: phone.id, state: status.state }, 'log scan status');
        },
      }),
  });

  let listenerError: string | null = null;
  // `--listen` applies to this run; a `PUT /api/listener` that moves the listener replaces it.
  let listenOverride: HostPort | undefined = options.listen;
  const listenHost = (): string => listenOverride?.host ?? cfg().listener.host;
  const listenPort = (): number => listenOverride?.port ?? cfg().listener.port;
  // start/stop/update run one after another (the listener refuses overlapping starts).
  let listenerQueue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(run: () => Promise<T>): Promise<T> => {
    const result = listenerQueue.then(run, run);
    listenerQueue = result.catch(() => undefined);
    return result;
  };
  const rejections = createActionUrlRejections({
    logger,
    isConfiguredPhone: (id) => phoneIndex.has(id),
  });
  const listener: Listener = createListener({
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

  const publicBase = (): string => {
    const configured = cfg().listener.publicHost;
    const port = listener.address?.port ?? listenPort();
    if (configured !== null)
      return configured.includes(':') && !configured.startsWith('[')
        ? `http://${configured}`
        : `http://${configured}:${port}`;
    const host = listenHost();
    const reachable = host === '0.0.0.0' || host === '::' ? guessLanAddress() : host;
    return `http://${formatHost(reachable)}:${port}`;
  };

  const listenerStatus = (): ListenerStatus => ({
    state: listener.state,
    host: listener.address?.host ?? listenHost(),
    port: listener.address?.port ?? listenPort(),
    publicBase: publicBase(),
    publicHost: cfg().listener.publicHost,
    error: listenerError,
  });

  const startListener = async (): Promise<ListenerStatus> => {
    try {
      await listener.start({ host: listenHost(), port: listenPort() });
      listenerError = null;
      logger.info(
        { host: listener.address?.host, port: listener.address?.port, publicBase: publicBase() },
        'Action URL listener active',
      );
    } catch (error) {
      listenerError = error instanceof Error ? error.message : String(error);
      if (isListenerStartError(error)) {
        throw new DaemonStartError(
          'listener',
          error.host,
          error.port,
          error.code === 'port-in-use'
            ? `the Action URL listener port ${error.port} is already in use on ${error.host}; choose another port with --listen HOST:PORT (or listener.port in the config)`
            : `the Action URL listener cannot listen on ${error.host}:${error.port}: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    return listenerStatus();
  };

  /** Binds `to` (new socket first, old one closed after); same port on another host: swap. */
  const moveListener = async (to: HostPort): Promise<void> => {
    const from = listener.address;
    try {
      await listener.start(to);
    } catch (error) {
      // The old socket itself may hold the port (0.0.0.0:P vs 127.0.0.1:P): close it, bind the
      // new address, and go back to the old one if that fails too.
      if (
        from === null ||
        !isListenerStartError(error) ||
        error.code !== 'port-in-use' ||
        to.port !== from.port
      )
        throw error;
      await listener.stop();
      try {
        await listener.start(to);
      } catch (second) {
        await listener.start(from).catch((restore: unknown) => {
          listenerError = restore instanceof Error ? restore.message : String(restore);
          logger.error({ err: restore }, 'the listener could not return to its old address');
        });
        throw second;
      }
    }
  };

  const updateListener = async (change: ListenerUpdate): Promise<ListenerUpdateResult> => {
    const previousPublicBase = publicBase();
    const from = listener.address;
    // Compared with the bound address when active (`--listen :0` bound some real port).
    const current = from ?? { host: listenHost(), port: listenPort() };
    const host = change.host ?? current.host;
    const port = change.port ?? current.port;
    const moves = host !== current.host || port !== current.port;
    const restart = moves && from !== null;
    if (restart) {
      try {
        await moveListener({ host, port });
      } catch (error) {
        if (!isListenerStartError(error)) throw error;
        const where = `${from.host}:${String(from.port)}`;
        throw new ApiError(
          error.code === 'port-in-use' ? 409 : 422,
          error.code === 'port-in-use' ? 'port-in-use' : 'listener-address-refused',
          `${error.message}. The listener keeps running on ${where} and the config is unchanged.`,
          { cause: error },
        );
      }
    }
    try {
      await config.update((current) => ({
        ...current,
        listener: {
          ...current.listener,
          ...(change.host === undefined ? {} : { host: change.host }),
          ...(change.port === undefined ? {} : { port: change.port }),
          ...(change.publicHost === undefined ? {} : { publicHost: change.publicHost }),
        },
      }));
    } catch (error) {
      if (restart) await moveListener(from).catch(() => undefined);
      throw error;
    }
    if (moves && listenOverride !== undefined) listenOverride = { host, port };
    const status = listenerStatus();
    const reprovisionNeeded = status.publicBase !== previousPublicBase;
    const phonesToReprovision = reprovisionNeeded ? cfg().phones.map((p) => p.id) : [];
    logger.info(
      { host: status.host, port: status.port, publicBase: status.publicBase, restarted: restart },
      'Action URL listener reconfigured',
    );
    const sentences = [
      restart
        ? `The listener now runs on ${status.host}:${String(status.port)}.`
        : moves
          ? 'The listener is stopped; the new address applies when it starts.'
          : 'The listener address is unchanged.',
      reprovisionNeeded
        ? phonesToReprovision.length > 0
          ? `The Action URLs now point at ${status.publicBase}: provision the phones again (${phonesToReprovision.join(', ')}) or they keep calling ${previousPublicBase}.`
          : `The Action URLs now point at ${status.publicBase}.`
        : 'The Action URLs are unchanged.',
    ];
    return {
      ...status,
      restarted: restart,
      previousPublicBase,
      reprovisionNeeded,
      phonesToReprovision,
      detail: sentences.join(' '),
    };
  };

  const listenerControl: ListenerControl = {
    status: listenerStatus,
    start: () =>
      serialized(async () => {
        try {
          return await startListener();
        } catch (error) {
          throw new ApiError(
            503,
            'listener-start-failed',
            error instanceof Error ? error.message : String(error),
          );
        }
      }),
    stop: () =>
      serialized(async () => {
        await listener.stop();
        logger.info('Action URL listener stopped');
        return listenerStatus();
      }),
    update: (change) => serialized(() => updateListener(change)),
  };

  const actionUrls = (phone: PhoneConfig): Record<string, string> =>
    buildActionUrls({
      publicBase: publicBase(),
      phoneId: phone.id,
      secret: phone.secret,
      capabilities: capabilityClassForModel(phone.model),
    });

  const provision = async (
    phoneId: string,
    action: 'write' | 'remove' = 'write',
  ): Promise<ProvisionResult> => {
    const phone = cfg().phones.find((p) => p.id === phoneId);
    const runtime = phones.get(phoneId);
    if (phone === undefined || runtime === undefined) throw new Error(`unknown phone ${phoneId}`);
    const settings =
      action === 'write'
        ? actionUrls(phone)
        : removeActionUrls(capabilityClassForModel(phone.model));
    return provisionPhone(runtime.client, phoneId, settings, action);
  };

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
    version: VERSION,
  });

  // SSE streams to end at shutdown.
  const streams = new Set<() => void>();

  const app = createAdminApp({
    config,
    phones,
    lineModel,
    journal,
    events,
    listener: listenerControl,
    actionUrls,
    removeActionUrls: (phone) => removeActionUrls(capabilityClassForModel(phone.model)),
    toDialable,
    version: VERSION,
    demo: options.demo ?? false,
    startedAt,
    webUiDir: options.webUiDir,
    logger,
    trackStream: (close) => {
      streams.add(close);
      return () => streams.delete(close);
    },
    metrics,
    mount: (a) => options.mountAdmin?.(a, { config, hub, lineModel, phones, provision, metrics }),
  });

  // Hub → SSE buffer, journal, webhooks, log.
  const unsubscribeHub = hub.subscribe((event) => {
    switch (event.type) {
      case 'call-state': {
        const payload: SseCallEvent = {
          type: 'call-state',
          call: event.call,
          previousState: event.previousState,
        };
        events.push('call', payload);
        logger.info(
          {
            phoneId: event.call.phoneId,
            callId: event.call.id,
            state: event.call.state,
            from: event.previousState,
            direction: event.call.direction,
            remote: (event.call.direction === 'outbound'
              ? event.call.calledId
              : event.call.callerId
            ).canonical,
          },
          `call ${event.call.state}`,
        );
        break;
      }
      case 'call-info':
        events.push('call', {
          type: 'call-info',
          call: event.call,
          fields: event.fields.map(String),
        });
        logger.debug(
          { phoneId: event.call.phoneId, callId: event.call.id, fields: event.fields },
          'call info',
        );
        break;
      case 'call-finished':
        events.push('call', { type: 'call-finished', call: event.call, missed: event.call.missed });
        journal.record(event.call);
        logger.info(
          {
            phoneId: event.call.phoneId,
            callId: event.call.id,
            direction: event.call.direction,
            mode: event.call.disconnectMode,
            missed: event.call.missed,
            durationMs:
              event.call.connectedAt === null ? 0 : event.call.endedAt - event.call.connectedAt,
          },
          'call finished',
        );
        break;
      case 'line-status':
        events.push('line', event);
        logger.info(
          { phoneId: event.phoneId, status: event.status, detail: event.detail },
          'phone status',
        );
        break;
      case 'action-event':
        events.push('action-event', event);
        logger.debug(
          { phoneId: event.event.phoneId, kind: event.event.kind, source: event.event.source },
          'action event',
        );
        break;
    }
    webhooks.handle(event);
  });

  // Config changes → runtime.
  const unsubscribeConfig = config.onChange((next, previous) => {
    rebuildIndex(next.phones);
    if (next.phones !== previous.phones) {
      for (const old of previous.phones) {
        if (!next.phones.some((p) => p.id === old.id)) lineModel.removePhone(old.id);
      }
      void phones.sync(next.phones).catch((error: unknown) => {
        logger.error({ err: error }, 'applying the phone list failed');
      });
    }
    if (JSON.stringify(next.dialing) !== JSON.stringify(previous.dialing))
      lineModel.setDialRules(next.dialing);
    if (next.journal.retentionDays !== previous.journal.retentionDays)
      journal.setRetentionDays(next.journal.retentionDays);
  });

  let adminServer: Server | null = null;
  let tickTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | null = null;

  const daemon: Daemon = {
    config,
    hub,
    lineModel,
    phones,
    journal,
    events,
    metrics,
    app,
    actionUrls,
    listenerStatus,
    provision,
    async start() {
      await phones.sync(cfg().phones);
      const adminHost = options.admin?.host ?? cfg().admin.host;
      const adminPort = options.admin?.port ?? cfg().admin.port;
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      options.onAdminServer?.(server);
      let boundAdminPort: number;
      try {
        boundAdminPort = await listenServer(server, adminHost, adminPort);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new DaemonStartError(
          'admin',
          adminHost,
          adminPort,
          code === 'EADDRINUSE'
            ? `the admin port ${adminPort} is already in use on ${adminHost}; choose another port with --admin HOST:PORT (or admin.port in the config)`
            : `the admin API cannot listen on ${adminHost}:${adminPort}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      adminServer = server;
      try {
        await serialized(startListener);
      } catch (error) {
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        );
        adminServer = null;
        throw error;
      }
      tickTimer = setInterval(() => {
        try {
          lineModel.tick();
        } catch (error) {
          logger.error({ err: error }, 'line model tick failed');
        }
      }, options.tickMs ?? 1000);
      tickTimer.unref();
      phones.start();
      const urlHost = adminHost === '0.0.0.0' || adminHost === '::' ? '127.0.0.1' : adminHost;
      return {
        listener: listenerStatus(),
        admin: { host: adminHost, port: boundAdminPort },
        adminUrl: `http://${formatHost(urlHost)}:${boundAdminPort}/?token=${encodeURIComponent(cfg().admin.token)}`,
      };
    },
    stop() {
      stopping ??= (async () => {
        if (tickTimer !== undefined) clearInterval(tickTimer);
        await options.onStop?.().catch((error: unknown) => {
          logger.warn({ err: error }, 'stopping the TAPI bridge failed');
        });
        const server = adminServer;
        const closed =
          server === null
            ? Promise.resolve()
            : new Promise<void>((resolve) =>
                server.close(() => {
                  resolve();
                }),
              );
        for (const close of streams) close();
        server?.closeIdleConnections();
        const forced = setTimeout(() => server?.closeAllConnections(), 2500);
        forced.unref();
        await Promise.all([listener.stop(), closed]);
        clearTimeout(forced);
        unsubscribeHub();
        unsubscribeConfig();
        metrics.close();
        webhooks.close();
        scanScheduler.close();
        await phones.stop();
        const unwritten = journal.close();
        if (unwritten > 0)
          logger.error(
            { unwritten },
            `JOURNAL WRITE FAILED at shutdown: ${String(unwritten)} finished calls were not journalled`,
          );
      })();
      return stopping;
    },
  };
  return daemon;
}
