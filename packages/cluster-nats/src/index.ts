// Public surface of @snomlink/cluster-nats. The daemon loads it with a dynamic import() only in
// cluster mode, so nothing here runs (or is even loaded) in the default single-process mode.
export {
  ClusterConfigError,
  ClusterError,
  ClusterUnavailableError,
  isClusterConfigError,
  isClusterError,
  isClusterUnavailableError,
} from './errors.js';
export { createCommandClient, createCommandServer } from './command-bus.js';
export type {
  CommandClient,
  CommandClientOptions,
  CommandServer,
  CommandServerOptions,
} from './command-bus.js';
export { createSharedConfig } from './shared-config.js';
export type { LocalSharedConfig, SharedConfig, SharedConfigOptions } from './shared-config.js';
export { createWebhookFeed, ensureWebhookConsumer, parseChangeRecord } from './webhook-feed.js';
export type { WebhookConsumerSettings, WebhookFeed, WebhookFeedOptions } from './webhook-feed.js';
export { KvConflictError, guardedDelete, guardedUpdate, isKvConflict } from './kv-guarded.js';
export { CLUSTER_SCHEMA_VERSION, DEFAULT_PREFIX, clusterNames } from './names.js';
export type { ClusterNames } from './names.js';
export { freshRecords, isFreshRecord } from './changes-range.js';
export type {
  ChangeRecord,
  ChangesPosition,
  ClusterCommand,
  ClusterCommandResult,
  ClusterHandlers,
  ClusterLogger,
  ClusterMember,
  ClusterOptions,
  ClusterStatus,
  DeliveredChange,
  DeliveredJournalEntry,
  LineSnapshot,
  NatsCluster,
  NatsCredentials,
  NatsTls,
  PhoneHealthRecord,
  SharedConfigDocument,
  StoredInput,
} from './cluster-types.js';
export { connectCluster, DEFAULT_LEASE_TTL_MS } from './connect-cluster.js';
export { retryDelay, retryUnavailable } from './retry-unavailable.js';
export type { RetryUnavailableOptions } from './retry-unavailable.js';
