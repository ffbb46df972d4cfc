import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from './scenario-run.js';
import { startTestCluster } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

// The scenario machinery itself (call load, SSE followers, dial commands, the acceptance checks)
// against ONE daemon in the default single-process mode behind the proxy: no NATS needed, so it
// runs everywhere and shows that a failing cluster scenario is the cluster's doing, not the
// harness's.

let cluster: TestCluster | undefined;

beforeAll(async () => {
  cluster = await startTestCluster({ clusterMode: false, daemons: 1 });
});

afterAll(async () => {
  await cluster?.dispose();
});

describe('scenario machinery on one plain daemon', () => {
  it('journals every call once, ends them all, runs each dial once, and SSE sees every call', async () => {
    if (cluster === undefined) throw new Error('no cluster');
    const commandPhones = cluster.phones.slice(0, 2);
    const loadPhones = cluster.phones.slice(2);
    const result = await runScenario(
      cluster,
      { loadPhones, commandPhones, load: { ratePerSecond: 10 } },
      async (ctx) => {
        await ctx.moreAcceptedCalls(15);
      },
    );
    expect(result.problems).toEqual([]);
    expect(result.calls.length).toBeGreaterThanOrEqual(15);
    expect(result.refusedCalls).toBe(0);
    expect(result.dials.filter((d) => d.status === 200).length).toBeGreaterThan(0);
    expect(result.readers[0]?.messages.length).toBeGreaterThan(0);
    // Every phone's events went through the proxy.
    expect(cluster.proxy.stats().forwarded[0]).toBeGreaterThan(0);
  });
});
