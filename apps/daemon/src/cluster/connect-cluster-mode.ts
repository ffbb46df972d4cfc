import type { LineReducerOptions } from '@snomlink/core';
import type { ClusterLogger, NatsCluster, NatsTls } from '@snomlink/cluster-nats';
import type { ClusterSettings } from './cluster-settings.js';

/** What {@link connectClusterMode} needs besides the settings. */
export interface ClusterModeDeps {
  readonly logger: ClusterLogger;
  /** The reducer options the owner replays with (the config's dial rules). */
  readonly reducerOptions?: () => LineReducerOptions;
  /** This daemon's admin URL as the other daemons' web UI should link it. */
  readonly adminUrl?: string;
  /** Told about each failed attempt to reach NATS (the joining ports report it). */
  readonly onRetry?: () => void;
}

function tlsOf(tls: NonNullable<ClusterSettings['tls']>): NatsTls {
  return {
    ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
    ...(tls.certFile === undefined ? {} : { certFile: tls.certFile }),
    ...(tls.keyFile === undefined ? {} : { keyFile: tls.keyFile }),
  };
}

/**
 * Loads @snomlink/cluster-nats with a dynamic `import()` (only cluster mode ever loads it: the
 * default bundle has no static reference to NATS) and connects this daemon to the cluster,
 * running the idempotent init. While NATS does not answer it retries with backoff (1 s doubling
 * to 30 s, an error line each time) rather than exit: a daemon started before NATS, or during an
 * outage, joins once it can. Throws the package's ClusterConfigError (bad options, newer stored
 * schema) at once.
 */
export async function connectClusterMode(
  settings: ClusterSettings,
  deps: ClusterModeDeps,
): Promise<NatsCluster> {
  const { connectCluster, retryUnavailable } = await import('@snomlink/cluster-nats');
  const options = {
    servers: settings.servers,
    nodeId: settings.nodeId,
    ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    ...(settings.leaseTtlMs === undefined ? {} : { leaseTtlMs: settings.leaseTtlMs }),
    ...(settings.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: settings.ackTimeoutMs }),
    ...(settings.replicas === undefined ? {} : { replicas: settings.replicas }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    ...(settings.tls === undefined ? {} : { tls: tlsOf(settings.tls) }),
    ...(deps.reducerOptions === undefined ? {} : { reducerOptions: deps.reducerOptions }),
    ...(deps.adminUrl === undefined ? {} : { adminUrl: deps.adminUrl }),
    logger: deps.logger,
  };
  return retryUnavailable(() => connectCluster(options), {
    what: 'joining the cluster',
    logger: deps.logger,
    ...(deps.onRetry === undefined ? {} : { onRetry: deps.onRetry }),
  });
}

/** One line for a failure to join the cluster (no stack; the package's messages say what to do). */
export function clusterFailureMessage(error: unknown): string {
  return `cannot join the cluster: ${error instanceof Error ? error.message : String(error)}`;
}
