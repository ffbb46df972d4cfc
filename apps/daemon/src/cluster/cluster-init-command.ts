import { hostname } from 'node:os';
import { hasErrorName } from '@snomlink/core';
import { CliUsageError, parseCliOptions } from '../cli-options.js';
import { readConfigFile } from '../config/config-store.js';
import { isDaemonConfigError } from '../errors.js';
import { ClusterSettingsError, resolveClusterSettings } from './cluster-settings.js';
import { clusterFailureMessage, connectClusterMode } from './connect-cluster-mode.js';

/** Where `snomlink cluster init` writes. */
export interface ClusterCommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The `snomlink cluster` help text. */
export const CLUSTER_HELP = `Usage: snomlink cluster init [--cluster nats://host:4222[,…]] [--config FILE] [--node-id ID]

Creates the cluster's NATS streams and KV buckets (idempotent: run it again, nothing changes)
and stores the layout's schema version; a daemon in cluster mode also does this when it starts.
The NATS servers come from --cluster, SNOMLINK_CLUSTER or the config's cluster section.
Exit codes: 0 done, 1 NATS unreachable, 2 bad options or a cluster of a newer version.
`;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `snomlink cluster init`: returns the exit code. */
export async function runClusterCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  out: ClusterCommandOutput,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'init') {
    (sub === undefined || sub === '--help' || sub === '-h' ? out.stdout : out.stderr)(CLUSTER_HELP);
    return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
  }
  let settings;
  try {
    const options = parseCliOptions(rest, env, cwd);
    if (options.help) {
      out.stdout(CLUSTER_HELP);
      return 0;
    }
    const file = await readConfigFile(options.configFile).catch((error: unknown) => {
      // Without --cluster the file must be readable; with it, a missing file is fine.
      if (options.cluster.servers !== undefined && !isDaemonConfigError(error)) return null;
      throw error;
    });
    settings = resolveClusterSettings(options.cluster, file?.config.cluster, hostname());
  } catch (error) {
    if (
      error instanceof CliUsageError ||
      error instanceof ClusterSettingsError ||
      isDaemonConfigError(error)
    ) {
      out.stderr(`snomlink: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (settings === null) {
    out.stderr('snomlink: no NATS servers: give --cluster nats://host:4222 or a cluster section\n');
    return 2;
  }
  try {
    const cluster = await connectClusterMode(settings, { logger: silent });
    try {
      const version = await cluster.init();
      out.stdout(
        `snomlink: cluster ready on ${settings.servers.join(',')} (schema version ${String(version)})\n`,
      );
    } finally {
      await cluster.close();
    }
    return 0;
  } catch (error) {
    out.stderr(`snomlink: ${clusterFailureMessage(error)}\n`);
    return hasErrorName(error, ['ClusterConfigError']) ? 2 : 1;
  }
}
