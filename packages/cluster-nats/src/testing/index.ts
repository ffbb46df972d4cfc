// Test helpers for other packages' tests and tests/cluster: nats-servers on loopback.
export { freePort, hasNatsServer, natsServerBin, startNatsCluster } from './nats-server.js';
export type { NatsServerNode, NatsTestCluster } from './nats-server.js';
export { streamLeader } from './stream-leader.js';
export { traceCall } from './trace-call.js';
export type { TraceCallOptions } from './trace-call.js';
