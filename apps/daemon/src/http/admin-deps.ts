import type { Hono } from 'hono';
import type { AdminAccess } from './access.js';
import type { DialRules, LineModel, NumberResult } from '@snomlink/core';
import type {
  Health,
  ListenerStatus,
  ListenerUpdate,
  ListenerUpdateResult,
} from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import type { EventBuffer } from '../events/event-buffer.js';
import type { Journal } from '../journal/journal.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import type { DirectoryRoutesDeps } from './directory-routes.js';
import type { CommandBus } from '../backbone/backbone-types.js';
import type { ClusterRoutesDeps } from './routes/cluster.js';
import type { NotifyRoutesDeps } from './notify-routes.js';
import type { Limiter } from '../phones/limiter.js';

/** The listener as the admin API controls it. */
export interface ListenerControl {
  status(): ListenerStatus;
  start(): Promise<ListenerStatus>;
  stop(): Promise<ListenerStatus>;
  /**
   * Changes the listener's address and/or public host (`PUT /api/listener`): binds the new
   * address before closing the old one and writes the config only when that worked. Rejects
   * with an ApiError (409 port in use) leaving listener and config as they were. Optional for
   * embedders; without it the route answers 501.
   */
  update?(change: ListenerUpdate): Promise<ListenerUpdateResult>;
}

/** Minimal logger the app writes to (pino fits). */
export interface AppLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What `GET /api/metrics` serves (the daemon's `createDaemonMetrics` fits). */
export interface MetricsEndpoint {
  /** The Prometheus text exposition (version 0.0.4). */
  render(): string;
  /** Counts one SSE `resync` sent to a reader. */
  sseResync(): void;
}

/** Everything the admin API needs, injected so tests can build it in process. */
export interface AdminAppDeps {
  readonly config: ConfigStore;
  readonly phones: PhoneManager;
  readonly lineModel: Pick<LineModel, 'liveCalls' | 'getCall' | 'presence' | 'setForwardingTarget'>;
  readonly journal: Journal;
  readonly events: EventBuffer;
  readonly listener: ListenerControl;
  /** The Action URL settings for a phone (listener's buildActionUrls with the public base). */
  readonly actionUrls: (phone: PhoneConfig) => Record<string, string>;
  /** The same settings with empty values (listener's removeActionUrls). */
  readonly removeActionUrls: (phone: PhoneConfig) => Record<string, string>;
  /** Bounds the provisioning runs in flight (phone requests); absent = unbounded. */
  readonly provisionSlots?: Limiter;
  readonly toDialable: (input: string, rules: DialRules) => NumberResult<string>;
  readonly version: string;
  readonly demo: boolean;
  readonly startedAt: number;
  /** Built web UI directory, or null to serve only the API. */
  readonly webUiDir: string | null;
  /** Interval of SSE keep-alive comments. Default 15000. */
  readonly keepAliveMs?: number;
  /**
   * Most events queued for one SSE reader that is not reading. Past it the queue is emptied
   * and the reader gets one `resync` event (with the lost id range) before the next event.
   * Default 10000.
   */
  readonly sseQueueLimit?: number;
  readonly logger: AppLogger;
  /** Extra routes (the TAPI WebSocket) mounted after auth. */
  readonly mount?: (app: Hono) => void;
  /** Called when an SSE stream opens; returns a function the daemon calls to end it at shutdown. */
  readonly trackStream?: (close: () => void) => () => void;
  /** Serves `GET /api/metrics` (Prometheus text) and counts SSE resyncs; without it, 404. */
  readonly metrics?: MetricsEndpoint;
  /** `POST /api/notify/test` (missed-call e-mail); without it the route is absent. */
  readonly notify?: NotifyRoutesDeps;
  /** MQTT and e-mail status for `GET /api/health` (only the configured ones). */
  readonly integrations?: () => Pick<Health, 'mqtt' | 'notify'>;
  /** Caller-name directories: `/api/directory` and the `directory` entries of `/api/health`. */
  readonly callerNames?: DirectoryRoutesDeps['callerNames'];
  /**
   * The address the admin server is bound to (`host:port`), once it is; an `Origin` naming it
   * is same-origin even when the request's `Host` differs. Absent: only `Host` counts.
   */
  readonly adminAddress?: () => string | null;
  /**
   * Runs phone commands (dial, drop, answer, hold, unhold) on the daemon that owns the phone
   * (cluster mode); absent: they run here, as with the local command bus.
   */
  readonly commands?: CommandBus;
  /** `GET /api/cluster`: the cluster's status in cluster mode; absent or null: running alone. */
  readonly cluster?: ClusterRoutesDeps['cluster'];
  /** Users, scoped tokens and the audit log; without it only the admin token signs in. */
  readonly access?: AdminAccess;
}
