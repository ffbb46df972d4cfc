import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { clusterNames } from '../names.js';

/**
 * The name of the nats-server that leads `stream` now (as `NatsServerNode.name`, its
 * `--server_name`), or null when it has no leader or no cluster info. For tests that kill the
 * server whose loss costs most: every publish to the stream waits until a new leader is elected,
 * so killing its leader is the worst case of "a nats-server dies" for the daemons' ingress.
 */
export async function streamLeader(
  servers: readonly string[],
  stream: string = clusterNames().eventsStream,
): Promise<string | null> {
  const nc = await connect({ servers: [...servers], timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    return info.cluster?.leader ?? null;
  } finally {
    await nc.close();
  }
}
