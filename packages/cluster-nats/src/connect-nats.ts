import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import type { ClusterLogger, NatsCredentials, NatsTls } from './cluster-types.js';
import { ClusterConfigError, ClusterUnavailableError } from './errors.js';

// The one place that opens a NATS connection: servers, credentials, TLS, reconnect forever, and
// a `connected` flag the status and health checks read. Everything else receives the connection.

/** Options of {@link connectNats}. */
export interface ConnectNatsOptions {
  readonly servers: readonly string[];
  /** Shown to the server (`nats server report connections`): `snomlink-<nodeId>`. */
  readonly nodeId: string;
  readonly credentials?: NatsCredentials;
  readonly tls?: NatsTls;
  readonly logger?: ClusterLogger;
  /** How long the first connect may take before it fails (default 5 000 ms). */
  readonly connectTimeoutMs?: number;
}

/** A live NATS connection with what the status needs to know about it. */
export interface NatsLink {
  readonly nc: NatsConnection;
  /** True while connected (false while the client reconnects). */
  connected(): boolean;
  /** Version of the server currently connected to, e.g. `2.9.10`, or null when unknown. */
  serverVersion(): string | null;
  /**
   * Number of servers of the NATS cluster this client knows about (the configured URLs and the
   * ones the server advertised), at least 1.
   */
  clusterSize(): number;
  /** Drains and closes the connection. */
  close(): Promise<void>;
}

const URL_PATTERN = /^(nats|tls):\/\/[^\s/]+$/;

/** Checks the server URLs: one or more `nats://host:port` (or `tls://`), nothing else. */
export function checkServers(servers: readonly string[]): readonly string[] {
  if (servers.length === 0) throw new ClusterConfigError('cluster: no NATS server URL given');
  for (const url of servers) {
    if (!URL_PATTERN.test(url)) {
      throw new ClusterConfigError(`cluster: "${url}" is not a nats://host:port URL`);
    }
  }
  return servers;
}

/** Connection options for the credentials and TLS files (files are read here, once). */
export function authOptions(
  credentials: NatsCredentials | undefined,
  tls: NatsTls | undefined,
): Partial<NodeConnectionOptions> {
  const out: Partial<NodeConnectionOptions> = {};
  if (credentials !== undefined) {
    if ('user' in credentials) {
      out.user = credentials.user;
      out.pass = credentials.pass;
    } else if ('token' in credentials) {
      out.token = credentials.token;
    } else {
      out.authenticator = credsAuthenticator(readFileOrThrow(credentials.credsFile, 'creds'));
    }
  }
  if (tls !== undefined) {
    out.tls = {
      ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
      ...(tls.certFile === undefined ? {} : { certFile: tls.certFile }),
      ...(tls.keyFile === undefined ? {} : { keyFile: tls.keyFile }),
    };
  }
  return out;
}

function readFileOrThrow(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ClusterConfigError(`cluster: cannot read the NATS ${what} file ${path}`, {
      cause: e,
    });
  }
}

/**
 * Connects to NATS and keeps reconnecting forever (a daemon outlives any NATS outage: it answers
 * 503 meanwhile and recovers on its own). The first connect fails with ClusterUnavailableError
 * when no server answers within `connectTimeoutMs`, with ClusterConfigError for bad options.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsLink> {
  const servers = checkServers(options.servers);
  const log = options.logger;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...servers],
      name: `snomlink-${options.nodeId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5_000,
      maxPingOut: 2,
      timeout: options.connectTimeoutMs ?? 5_000,
      ...authOptions(options.credentials, options.tls),
    });
  } catch (e) {
    throw new ClusterUnavailableError(
      `cluster: cannot connect to NATS at ${servers.join(',')}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  let connected = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        log?.error({ server: s.server }, 'cluster: disconnected from NATS, reconnecting');
      } else if (s.type === 'reconnect') {
        connected = true;
        log?.warn({ server: s.server }, 'cluster: reconnected to NATS');
      }
    }
  })();
  void nc.closed().then(() => {
    connected = false;
  });
  return {
    nc,
    connected: () => connected && !nc.isClosed(),
    serverVersion: () => nc.info?.version ?? null,
    clusterSize: () => {
      const strip = (u: string): string => u.replace(/^[a-z]+:\/\//, '');
      const known = new Set([...servers, ...(nc.info?.connect_urls ?? [])].map(strip));
      return Math.max(1, known.size);
    },
    close: async () => {
      if (nc.isClosed()) return;
      // Drain flushes what is pending; while NATS is away it could wait forever, so cap it.
      let timer: NodeJS.Timeout | undefined;
      const capped = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2_000);
      });
      try {
        await Promise.race([nc.drain(), capped]);
      } catch {
        // Closed below either way.
      } finally {
        clearTimeout(timer);
      }
      if (!nc.isClosed()) await nc.close();
    },
  };
}
