// Test helpers for other packages' tests and tests/cluster: nats-servers on loopback.
export { freePort, hasNatsServer, natsServerBin, startNatsCluster } from './nats-server.js';
export type { NatsServerNode, NatsTestCluster } from './nats-server.js';
