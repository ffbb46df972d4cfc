/**
 * @snomlink/daemon as a library: build the daemon in your own process (tests, embedding).
 * The browser-safe API contract is at `@snomlink/daemon/api`.
 */
export { createDaemon, guessLanAddress } from './daemon.js';
export type { Daemon, DaemonAddresses, DaemonOptions, DaemonParts, HostPort } from './daemon.js';
export {
  openConfigStore,
  randomToken,
  validateConfig,
  writeFileAtomic,
} from './config/config-store.js';
export type { ConfigStore, ConfigStoreOptions } from './config/config-store.js';
export { configSchema, phoneConfigSchema } from './config/config-schema.js';
export type { Config, ParsedConfig, PhoneConfig } from './config/config-schema.js';
export { openJournal } from './journal/journal.js';
export type {
  Journal,
  JournalOptions,
  JournalQueryOptions,
  JournalStatus,
} from './journal/journal.js';
export { createEventBuffer } from './events/event-buffer.js';
export type {
  BufferedEvent,
  EventBuffer,
  EventBufferOptions,
  ResumeResult,
} from './events/event-buffer.js';
export {
  createWebhookDispatcher,
  expandWebhookUrl,
  WEBHOOK_PLACEHOLDERS,
} from './events/webhooks.js';
export type {
  WebhookContext,
  WebhookDispatcher,
  WebhookDispatcherOptions,
} from './events/webhooks.js';
export { createAdminApp } from './http/admin-app.js';
export type {
  AdminAppDeps,
  AppLogger,
  ListenerControl,
  MetricsEndpoint,
} from './http/admin-app.js';
export { CALL_DURATION_BUCKETS, createDaemonMetrics } from './metrics/daemon-metrics.js';
export type { DaemonMetrics, DaemonMetricsSources } from './metrics/daemon-metrics.js';
export {
  createExposition,
  createHistogram,
  escapeLabelValue,
  formatSampleValue,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/prometheus-text.js';
export type { Exposition, Histogram, MetricLabels, MetricType } from './metrics/prometheus-text.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export { startDemo, DEMO_PEOPLE } from './demo.js';
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
