import { describe, expect, it } from 'vitest';
import { initClusterWithRetry } from './init.js';
import { createLeases, leaseKey } from './leases.js';
import { clusterNames } from './names.js';
import { hasNatsServer } from './testing/nats-server.js';
import { useOneServer } from './testing/one-server.js';

// A released lease leaves a delete marker, which the bucket's TTL removes like any message,
// without a watch event. A node that saw the delete but claimed only later (the orphan grace, a
// balancer pass late under load) updated at the marker's revision, which no longer exists: a
// conflict on every pass, for ever, on every node that saw the delete. tests/cluster had 12 of
// 64 partitions unowned for minutes that way; their calls reached no journal.

const BUCKET_TTL_MS = 1_000;
// The lease manager's own L: its orphan grace (L/2) comes after the marker has expired.
const L = 4_000;

describe.skipIf(!hasNatsServer())('a lease whose delete marker expired (1 nats-server)', () => {
  const server = useOneServer();

  it('is claimed by a node that saw the delete', async () => {
    const { buckets } = await initClusterWithRetry({
      nc: server.nc,
      names: clusterNames('marker'),
      replicas: 1,
      leaseTtlMs: BUCKET_TTL_MS,
    });
    // Another member holds p.0 while this node takes its share (p.1).
    const ghost = JSON.stringify({ owner: 'ghost', token: 'ghost' });
    await buckets.leases.put(leaseKey(0), ghost);
    const keepAlive = setInterval(() => void buckets.leases.put(leaseKey(0), ghost), 200);
    const leases = await createLeases({
      kv: buckets.leases,
      nodeId: 'node-0',
      leaseTtlMs: L,
      partitions: 2,
      live: () => ['node-0', 'ghost'],
      now: Date.now,
      onGained: () => undefined,
      onLost: () => undefined,
    });
    try {
      await expect.poll(() => leases.owned(), { timeout: 5_000 }).toEqual([1]);
      // The ghost hands p.0 over and leaves; nobody is below its share, so this node claims
      // it only as an orphan, after L/2 = 2 s, when the marker (1 s) is gone.
      clearInterval(keepAlive);
      await buckets.leases.delete(leaseKey(0));
      await expect.poll(() => leases.owns(0), { timeout: 10_000, interval: 100 }).toBe(true);
    } finally {
      clearInterval(keepAlive);
      await leases.close();
    }
  }, 20_000);
});
