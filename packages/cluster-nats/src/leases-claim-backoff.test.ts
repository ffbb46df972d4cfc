import type { KV } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { initClusterWithRetry } from './init.js';
import { createLeases, leaseKey, partitionOfKey } from './leases.js';
import { clusterNames } from './names.js';
import { hasNatsServer } from './testing/nats-server.js';
import { useOneServer } from './testing/one-server.js';

// A claim that loses must not be retried on every balancer pass. Under load the leases watch
// lags: a node then sees partitions as free that others hold, and retrying each lost claim on
// every watch update (several per second per partition) flooded NATS with failing writes until
// renewals timed out and leases expired cluster-wide (tests/cluster scenario 4, load 60).

const L = 3_000;
const missing = !hasNatsServer();

/** The leases bucket with the watch blind to `hidden` and every write to it counted. */
function blindBucket(kv: KV, hidden: string): { kv: KV; writes: () => number } {
  let writes = 0;
  const js = (
    kv as unknown as { js: { publish: (subject: string, ...rest: unknown[]) => unknown } }
  ).js;
  const countingJs = new Proxy(js, {
    get(target, prop, receiver) {
      if (prop !== 'publish') return Reflect.get(target, prop, receiver) as unknown;
      return (subject: string, ...rest: unknown[]) => {
        if (subject.endsWith(`.${hidden}`)) writes++;
        return target.publish(subject, ...rest);
      };
    },
  });
  const blind = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === 'js') return countingJs;
      if (prop !== 'watch') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<KV['watch']>) => {
        const inner = await target.watch(...args);
        return {
          stop: () => {
            inner.stop();
          },
          async *[Symbol.asyncIterator]() {
            for await (const e of inner) if (e.key !== hidden) yield e;
          },
        };
      };
    },
  });
  return { kv: blind, writes: () => writes };
}

describe('partitionOfKey', () => {
  it('reads the partition of a lease key, -1 for anything else', () => {
    expect(partitionOfKey(leaseKey(17))).toBe(17);
    expect(partitionOfKey('node-1')).toBe(-1);
  });
});

describe.skipIf(missing)('a lost lease claim backs off (1 nats-server)', () => {
  const server = useOneServer();

  it('retries a partition whose claim lost at most once per L/5 while its view shows it free', async () => {
    const { buckets } = await initClusterWithRetry({
      nc: server.nc,
      names: clusterNames('backoff'),
      replicas: 1,
      leaseTtlMs: L,
    });
    const hidden = leaseKey(5);
    // Another owner holds p.5 (and keeps renewing it); this node's view never shows that.
    const ghost = JSON.stringify({ owner: 'ghost', token: 'ghost' });
    await buckets.leases.put(hidden, ghost);
    const keepAlive = setInterval(() => void buckets.leases.put(hidden, ghost), L / 5);
    const { kv, writes } = blindBucket(buckets.leases, hidden);
    const leases = await createLeases({
      kv,
      nodeId: 'node-0',
      leaseTtlMs: L,
      partitions: 64,
      live: () => ['node-0'],
      now: Date.now,
      onGained: () => undefined,
      onLost: () => undefined,
    });
    try {
      const before = writes();
      const watchedMs = 3_000;
      await new Promise((r) => setTimeout(r, watchedMs));
      expect(leases.owns(5)).toBe(false);
      expect(leases.owned()).toHaveLength(63);
      // One try per L/5 (600 ms) at most: 5 in 3 s, plus one at the edge.
      expect(writes() - before).toBeLessThanOrEqual(watchedMs / (L / 5) + 1);
    } finally {
      clearInterval(keepAlive);
      await leases.close();
    }
  });
});
