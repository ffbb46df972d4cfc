import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './nats-server.js';

const missing = !hasNatsServer();
if (missing && process.env['CI'] !== undefined) {
  throw new Error(
    'nats-server is missing under CI: scripts/ensure-nats.sh should have installed it',
  );
}
if (missing)
  console.warn(
    'SKIPPING cluster-nats tests: nats-server is not installed (bash scripts/ensure-nats.sh)',
  );

describe.skipIf(missing)('startNatsCluster', () => {
  let cluster: NatsTestCluster;
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(async () => {
    await cluster.dispose();
  });

  it('starts three JetStream servers that form one cluster', async () => {
    const nc = await connect({ servers: [...cluster.servers] });
    try {
      expect(nc.info?.version).toMatch(/^2\./);
      expect(nc.info?.jetstream).toBe(true);
      // A route exists: a message published on one server reaches a subscriber on another.
      const other = await connect({ servers: cluster.servers[1] ?? '' });
      const sub = other.subscribe('hello');
      await other.flush();
      const got = (async () => {
        for await (const m of sub) return m.string();
        return null;
      })();
      // Routes may take a moment to form after start: publish until the message arrives.
      const timer = setInterval(() => {
        nc.publish('hello', 'world');
      }, 50);
      await expect(got).resolves.toBe('world');
      clearInterval(timer);
      await other.close();
    } finally {
      await nc.close();
    }
  });

  it('kills and restarts one node', async () => {
    const node = cluster.nodes[0];
    if (node === undefined) throw new Error('no node');
    await node.kill();
    expect(node.running).toBe(false);
    await node.start();
    expect(node.running).toBe(true);
  });
});

describe('startNatsCluster with a server that exits at once', () => {
  it('fails fast when the server exits before listening, after three tries', async () => {
    // /bin/false stands in for a nats-server that cannot bind its port and exits.
    const saved = process.env['NATS_SERVER_BIN'];
    process.env['NATS_SERVER_BIN'] = '/bin/false';
    const started = Date.now();
    try {
      await expect(startNatsCluster(1)).rejects.toThrow(/exited \(1\) before listening on \d+/);
    } finally {
      if (saved === undefined) delete process.env['NATS_SERVER_BIN'];
      else process.env['NATS_SERVER_BIN'] = saved;
    }
    // Each try ends when the process does, not after the 10 s wait for the port.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
