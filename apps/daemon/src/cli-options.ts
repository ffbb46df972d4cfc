import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClusterCliOptions } from './cluster/cluster-settings.js';
import { ClusterSettingsError, parseClusterServers } from './cluster/cluster-settings.js';
import type { HostPort } from './daemon.js';

/** What the command line and the environment ask for. */
export interface CliOptions {
  readonly help: boolean;
  readonly version: boolean;
  readonly demo: boolean;
  readonly dataDir: string;
  readonly configFile: string;
  readonly listen?: HostPort;
  readonly admin?: HostPort;
  readonly webUiDir?: string;
  readonly logLevel: string;
  /** Pretty logs: `--log-format pretty|json`, default pretty on a TTY. */
  readonly prettyLogs?: boolean;
  /** Cluster mode from `--cluster` / `--node-id` (or their variables); empty: see the config. */
  readonly cluster: ClusterCliOptions;
}

/** A bad flag or variable: the CLI prints the message and exits 2. */
export class CliUsageError extends Error {
  override readonly name: string = 'DaemonCliUsageError';
}

/** The `--help` text. */
export const HELP = `snomlink — computer-telephony bridge for snom desk phones

Usage: snomlink [options]
       snomlink check-config [--config FILE]   validate a config file; exit 0 or 2
       snomlink dial <number | tel:URI> [--phone ID] [--url ADMIN_URL]   (see snomlink dial --help)
       snomlink cluster init [--cluster URLS] [--config FILE]   create NATS streams and buckets

Options:
  --config FILE         config file (default: <data-dir>/config.json)     env SNOMLINK_CONFIG
  --data-dir DIR        config, journal (default ./.snomlink; demo: ./.snomlink-demo)
                                                                          env SNOMLINK_DATA_DIR
  --demo                simulated phones calling each other, in process   env SNOMLINK_DEMO=1
  --listen HOST:PORT    Action URL listener (default 0.0.0.0:8080)        env SNOMLINK_LISTEN
  --admin HOST:PORT     admin API + web UI (default 127.0.0.1:8090)       env SNOMLINK_ADMIN
  --web-ui-dir DIR      built web UI to serve (default apps/web-ui/dist)  env SNOMLINK_WEB_UI_DIR
  --log-level LEVEL     trace|debug|info|warn|error (default info)        env SNOMLINK_LOG_LEVEL
  --log-format FORMAT   pretty|json (default: pretty on a terminal)       env SNOMLINK_LOG_FORMAT
  --cluster URLS        cluster mode on NATS: nats://host:4222[,…]        env SNOMLINK_CLUSTER
                        (or the config's cluster section; docs/cluster.md)
  --node-id ID          this daemon's id in the cluster (default: host)   env SNOMLINK_NODE_ID
  -h, --help            this text
  -v, --version         the version

--listen and --admin override the config file for this run (on the first start they are
written into the new config). Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot start
(a port in use: the message names the port and the flag), 2 bad config or bad options.
`;

/** Parses `HOST:PORT`, `:PORT` or `PORT` (host then defaults to `defaultHost`). */
export function parseHostPort(value: string, defaultHost: string, what: string): HostPort {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(value.trim());
  const port = match?.[2] === undefined ? Number.NaN : Number(match[2]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new CliUsageError(`${what} must be HOST:PORT (e.g. 0.0.0.0:8080), got "${value}"`);
  }
  const rawHost = match[1];
  const host =
    rawHost === undefined || rawHost === '' ? defaultHost : rawHost.replace(/^\[|\]$/g, '');
  return { host, port };
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}

/** Reads the flags of `argv` (without node and script) with `env` as the fallback. */
export function parseCliOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CliOptions {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        demo: { type: 'boolean' },
        listen: { type: 'string' },
        admin: { type: 'string' },
        'web-ui-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        cluster: { type: 'string' },
        'node-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}; see snomlink --help`);
  }
  const demo = values.demo ?? truthy(env['SNOMLINK_DEMO']);
  const dataDir = resolve(
    cwd,
    values['data-dir'] ?? env['SNOMLINK_DATA_DIR'] ?? (demo ? '.snomlink-demo' : '.snomlink'),
  );
  const configFile = resolve(
    cwd,
    values.config ?? env['SNOMLINK_CONFIG'] ?? resolve(dataDir, 'config.json'),
  );
  const listenRaw = values.listen ?? env['SNOMLINK_LISTEN'];
  const adminRaw = values.admin ?? env['SNOMLINK_ADMIN'];
  const webUiDir = values['web-ui-dir'] ?? env['SNOMLINK_WEB_UI_DIR'];
  const logLevel = values['log-level'] ?? env['SNOMLINK_LOG_LEVEL'] ?? 'info';
  if (!/^(trace|debug|info|warn|error|fatal|silent)$/.test(logLevel)) {
    throw new CliUsageError(
      `--log-level must be trace, debug, info, warn, error or silent, got "${logLevel}"`,
    );
  }
  const logFormat = values['log-format'] ?? env['SNOMLINK_LOG_FORMAT'];
  if (logFormat !== undefined && logFormat !== 'pretty' && logFormat !== 'json') {
    throw new CliUsageError(`--log-format must be pretty or json, got "${logFormat}"`);
  }
  const clusterRaw = values.cluster ?? env['SNOMLINK_CLUSTER'];
  const nodeId = values['node-id'] ?? env['SNOMLINK_NODE_ID'];
  let cluster: ClusterCliOptions;
  try {
    cluster = {
      ...(clusterRaw === undefined || clusterRaw.trim() === ''
        ? {}
        : { servers: parseClusterServers(clusterRaw) }),
      ...(nodeId === undefined ? {} : { nodeId }),
    };
  } catch (error) {
    if (error instanceof ClusterSettingsError) throw new CliUsageError(error.message);
    throw error;
  }
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    demo,
    dataDir,
    configFile,
    ...(listenRaw === undefined ? {} : { listen: parseHostPort(listenRaw, '0.0.0.0', '--listen') }),
    ...(adminRaw === undefined ? {} : { admin: parseHostPort(adminRaw, '127.0.0.1', '--admin') }),
    ...(webUiDir === undefined ? {} : { webUiDir: resolve(cwd, webUiDir) }),
    logLevel,
    ...(logFormat === undefined ? {} : { prettyLogs: logFormat === 'pretty' }),
    cluster,
  };
}
