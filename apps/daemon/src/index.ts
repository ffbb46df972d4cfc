/**
 * @snomlink/daemon as a library: build the daemon in your own process (tests, embedding).
 * The browser-safe API contract is at `@snomlink/daemon/api`.
 *
 * Deliberately not exported: the daemon's inner parts (journal, SSE buffer, webhook dispatcher,
 * admin app, metrics, listener controller, Prometheus text helpers). Reach them through a
 * running {@link Daemon}; they change with the daemon and are no API of their own.
 */
export { createDaemon } from './daemon.js';
export type { Daemon, DaemonAddresses, DaemonOptions, DaemonParts, HostPort } from './daemon.js';
export { openConfigStore } from './config/config-store.js';
export type { ConfigStore, ConfigStoreOptions } from './config/config-store.js';
export { phoneConfig } from './config/config-schema.js';
export type { Config, ParsedConfig, PhoneConfig } from './config/config-schema.js';
export type { Journal, JournalQueryOptions, JournalStatus } from './journal/journal.js';
export type { EventBuffer } from './events/event-buffer.js';
export type { DaemonMetrics } from './metrics/daemon-metrics.js';
export type { PhoneManager, PhoneRuntime } from './phones/phone-manager.js';
export { createLogger } from './logger.js';
export type { LoggerOptions } from './logger.js';
export { startDemo } from './demo.js';
export type { Demo } from './demo.js';
export {
  ApiError,
  DaemonConfigError,
  DaemonError,
  DaemonStartError,
  isApiError,
  isDaemonConfigError,
  isDaemonError,
  isDaemonStartError,
} from './errors.js';
export { VERSION } from './version.js';
