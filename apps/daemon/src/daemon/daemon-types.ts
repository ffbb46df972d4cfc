import type { Server } from 'node:http';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';
import type { ListenerStatus, ProvisionResult } from '../api/schemas.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Backbone } from '../backbone/backbone-types.js';
import type { PhoneConfig } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import type { EventBuffer } from '../events/event-buffer.js';
import type { Journal, JournalOptions } from '../journal/journal.js';
import type { StartWriterThread } from '../journal/journal-thread.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import type { HostPort } from './listener-controller.js';

/** Options of `createDaemon`. */
export interface DaemonOptions {
  readonly config: ConfigStore;
  /** Where `journal.sqlite` lives; opened by `start()`. */
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
  /**
   * The seams cluster mode replaces (ingress, ownership, line store, change feed, command bus);
   * default: the local, in-process backbone. Cluster mode passes `createClusterBackbone`.
   */
  readonly backbone?: (parts: { readonly hub: EventHub<SnomlinkEvent> }) => Backbone;
  /**
   * Runs in `start()` right before the admin API and the listener bind their ports (cluster
   * mode: frees the ports the joining stand-ins held, see `openJoiningPorts`).
   */
  readonly beforeBind?: () => Promise<void>;
  /** Line model tick period. Default 1000. */
  readonly tickMs?: number;
  /**
   * How the journal's writer thread starts (`journal.writerThread`, the default; default here:
   * the bundled dist/journal-thread-worker.js). Tests that run the daemon from its TypeScript
   * source pass `sourceWriterThread()` (testing/source-writer-thread.ts).
   */
  readonly startWriterThread?: StartWriterThread;
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
  'config' | 'hub' | 'lineModel' | 'phones' | 'provision' | 'metrics' | 'audit'
>;

/** The running daemon's parts, for the CLI, the demo, the TAPI mount and tests. */
export interface Daemon {
  readonly config: ConfigStore;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly lineModel: LineModel;
  readonly phones: PhoneManager;
  /** The call journal; its database opens in `start()` (until then its status is not ok). */
  readonly journal: Journal;
  readonly events: EventBuffer;
  /** Counters and gauges behind `GET /api/metrics`. */
  readonly metrics: DaemonMetrics;
  /** The audit log of state-changing actions (opened in `start()`). */
  readonly audit: AuditLog;
  readonly app: Hono;
  /** Opens the journal, binds the admin API and the listener, starts health checks and ticks. */
  start(): Promise<DaemonAddresses>;
  /** Stops accepting, ends streams, finishes in-flight requests, flushes the journal. */
  stop(): Promise<void>;
  /** Writes (or removes) a phone's Action URLs and verifies them. */
  provision(phoneId: string, action?: 'write' | 'remove'): Promise<ProvisionResult>;
  /** The Action URL settings of a phone. */
  actionUrls(phone: PhoneConfig): Record<string, string>;
  listenerStatus(): ListenerStatus;
}
