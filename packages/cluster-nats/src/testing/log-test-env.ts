import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { clusterNames, type ClusterNames } from '../names.js';
import { createLogStreams } from './log-streams.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './nats-server.js';

// Test helper (not exported): one nats-server, a connection, the log streams under a fresh prefix.

/** True when the log tests must skip (no binary, run by hand); throws under CI. */
export function natsMissing(): boolean {
  const missing = !hasNatsServer();
  if (missing && process.env['CI'] !== undefined) {
    throw new Error(
      'nats-server is missing under CI: scripts/ensure-nats.sh should have installed it',
    );
  }
  if (missing) console.warn('SKIPPING cluster-nats log tests: nats-server is not installed');
  return missing;
}

/** A running server with a connection and the log streams. */
export interface LogTestEnv {
  readonly server: NatsTestCluster;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly lines: KV;
  readonly names: ClusterNames;
  /** Another connection (a second daemon); closed by dispose. */
  connectAnother(): Promise<NatsConnection>;
  dispose(): Promise<void>;
}

let counter = 0;

/** Starts one nats-server and creates the streams under a fresh prefix. */
export async function startLogTestEnv(duplicateWindowMs?: number): Promise<LogTestEnv> {
  const server = await startNatsCluster(1);
  const connections: NatsConnection[] = [];
  const open = async (): Promise<NatsConnection> => {
    const c = await connect({
      servers: [...server.servers],
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    connections.push(c);
    return c;
  };
  const nc = await open();
  counter++;
  const names = clusterNames(`t${String(process.pid)}x${String(counter)}`);
  const { lines } = await createLogStreams(nc, names, duplicateWindowMs);
  return {
    server,
    nc,
    js: jetstream(nc),
    lines,
    names,
    connectAnother: open,
    async dispose() {
      await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
      await server.dispose();
    },
  };
}
