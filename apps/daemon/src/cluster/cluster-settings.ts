import * as v from 'valibot';
import type { ClusterConfig } from './cluster-config.js';
import { natsUrlSchema, nodeIdSchema } from './cluster-config.js';

/** What the command line and environment say about cluster mode. */
export interface ClusterCliOptions {
  /** `--cluster` / `SNOMLINK_CLUSTER`: comma-separated NATS URLs. */
  readonly servers?: readonly string[];
  /** `--node-id` / `SNOMLINK_NODE_ID`. */
  readonly nodeId?: string;
}

/** Cluster mode as this run uses it: servers and node id always set. */
export type ClusterSettings = Omit<ClusterConfig, 'servers' | 'nodeId'> & {
  readonly servers: readonly string[];
  readonly nodeId: string;
};

/** A bad `--cluster` or `--node-id` (the CLI prints the message and exits 2). */
export class ClusterSettingsError extends Error {
  override readonly name: string = 'DaemonClusterSettingsError';
}

/**
 * Splits `nats://a:4222,nats://b:4222` (or `a:4222,b:4222`: `nats://` is assumed) into URLs.
 * Throws a ClusterSettingsError naming the bad entry.
 */
export function parseClusterServers(value: string): string[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new ClusterSettingsError('--cluster needs at least one NATS URL');
  return parts.map((part) => {
    const url = /^[a-z]+:\/\//.test(part) ? part : `nats://${part}`;
    if (!v.is(natsUrlSchema, url)) {
      throw new ClusterSettingsError(
        `--cluster: "${part}" is not a NATS URL like nats://host:4222`,
      );
    }
    return url;
  });
}

/** The host name made into a valid node id (letters, digits, `-`, `_`; at most 64). */
export function nodeIdFromHostName(hostName: string): string {
  const cleaned = hostName
    .split('.')[0]
    ?.replace(/[^A-Za-z0-9_-]/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 64);
  return cleaned === undefined || cleaned === '' ? 'snomlink' : cleaned;
}

/**
 * Cluster mode for this run, or null to run alone: the command line (or environment) wins over
 * the config file's `cluster` section; the node id defaults to the host name.
 */
export function resolveClusterSettings(
  cli: ClusterCliOptions,
  section: ClusterConfig | undefined,
  hostName: string,
): ClusterSettings | null {
  const servers = cli.servers ?? section?.servers;
  if (servers === undefined || servers.length === 0) {
    if (cli.nodeId !== undefined) {
      throw new ClusterSettingsError(
        '--node-id needs cluster mode: give --cluster nats://host:4222 or a cluster section',
      );
    }
    return null;
  }
  const nodeId = cli.nodeId ?? section?.nodeId ?? nodeIdFromHostName(hostName);
  if (!v.safeParse(nodeIdSchema, nodeId).success) {
    throw new ClusterSettingsError(
      `--node-id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit, got "${nodeId}"`,
    );
  }
  return { ...section, servers: [...servers], nodeId };
}
