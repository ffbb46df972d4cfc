import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { startNatsCluster, type NatsTestCluster } from './nats-server.js';

/** One nats-server and a connection to it, for the tests of a `describe` block. */
export interface OneServer {
  readonly nats: NatsTestCluster;
  readonly nc: NatsConnection;
}

/**
 * Starts one nats-server and connects to it before the block's tests, closes both after them.
 * Call inside a `describe` (skipped with it when nats-server is missing); read the fields in
 * tests, not at collection time.
 */
export function useOneServer(): OneServer {
  let nats: NatsTestCluster | undefined;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    nats = await startNatsCluster(1);
    nc = await connect({ servers: [...nats.servers] });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });
  return {
    get nats() {
      if (nats === undefined) throw new Error('useOneServer: nats-server not started yet');
      return nats;
    },
    get nc() {
      if (nc === undefined) throw new Error('useOneServer: not connected yet');
      return nc;
    },
  };
}
