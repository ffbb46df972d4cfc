import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamLeader } from '@snomlink/cluster-nats/testing';
import { skipWithoutNats } from './harness/nats-guard.js';
import { ALL_SCENARIOS, selectScenarios } from './harness/scenario-select.js';
import { nodeIds, startClusterDaemons } from './harness/cluster-control.js';
import { clusterStatus, ownersByNode, waitForBalanced, waitForOwners } from './harness/observe.js';
import { ownerOf, runScenario } from './harness/scenario-run.js';
import type { ScenarioResult } from './harness/scenario-run.js';
import { startTestCluster } from './harness/test-cluster.js';
import type { ClusterPhone, TestCluster } from './harness/test-cluster.js';
import type { ClusterDaemon } from './harness/cluster-daemon.js';

// The five failure scenarios of CLUSTER.md against three nats-servers, three built daemons in
// cluster mode behind the TCP proxy, and 64 simulated phones (one per partition). Each scenario
// asserts what issue 20 asks: every call journalled exactly once on every daemon, none lost
// except those whose Action URL was refused (and those still end), no phone command carried out
// twice, no gap for any SSE reader, and take-over within L + 1.5 s.

// L = 5 s, above NATS's own fail-over stall (CLUSTER.md). At 3 s a daemon fenced itself whenever
// a lease renewal took more than about 0.6 s, which a loaded machine (load 20+) often did.
const LEASE_MS = 5000;
const TAKE_OVER_BOUND_MS = LEASE_MS + 1500;
// CI runs all five. 4 (rolling SIGTERM) and 5 (SIGSTOP) were opt-in while owners that took a
// partition over could replay from a lagging replica's view and journal a call twice; with the
// leader reads and identity keys of 3 December they passed every run since (docs/cluster.md,
// "Status of the acceptance scenarios"). SNOMLINK_CLUSTER_SCENARIOS picks fewer by hand, e.g.
// `4,5` (harness/scenario-select.ts).
const CI_SCENARIOS: readonly number[] = ALL_SCENARIOS;
const selected = selectScenarios(process.env['SNOMLINK_CLUSTER_SCENARIOS'], CI_SCENARIOS);
const skipped = ALL_SCENARIOS.filter((n) => !selected.has(n));
if (skipped.length > 0) {
  console.warn(
    `SKIPPING cluster scenario(s) ${skipped.join(', ')} (not selected by SNOMLINK_CLUSTER_SCENARIOS): unset it or set it to all to run all five`,
  );
}
const skip = selected.size === 0 || skipWithoutNats('tests/cluster scenarios');
/** `it` for scenario `n`: skipped unless selected. */
const scenario = (n: number): ReturnType<typeof it.skipIf> => it.skipIf(!selected.has(n));

let cluster: TestCluster;
let disposeCluster = async (): Promise<void> => {};
let loadPhones: ClusterPhone[] = [];
let commandPhones: ClusterPhone[] = [];
const measured: Record<string, number[]> = {};

function report(name: string, result: ScenarioResult): void {
  for (const [label, values] of Object.entries(result.timings)) {
    (measured[label] ??= []).push(...values);
  }
  console.log(
    `[cluster] ${name}: ${String(result.calls.length)} calls (${String(result.refusedCalls)} with a refused Action URL: ${JSON.stringify(result.refusedBy)}), ${String(result.dials.length)} dials, timings ${JSON.stringify(result.timings)}, phases (ms) ${JSON.stringify(result.phases)}`,
  );
  if (result.problems.length > 0) console.log(result.problems.slice(0, 40).join('\n'));
}

/** Kills `victim` with `signal` and measures until its partitions are owned by the others. */
async function killAndMeasure(victim: ClusterDaemon, signal: NodeJS.Signals): Promise<number> {
  const others = cluster.daemons.filter((d) => d !== victim && d.process !== null && !d.paused);
  const observer = others[0];
  if (observer === undefined) throw new Error('no observer left');
  const since = Date.now();
  const killed = victim.kill(signal);
  const ms = await waitForOwners(observer, nodeIds(others), since, 30_000);
  await killed;
  return ms;
}

describe.skipIf(skip)('cluster mode: the five failure scenarios of CLUSTER.md', () => {
  beforeAll(async () => {
    cluster = await startTestCluster({ leaseTtlMs: LEASE_MS });
    const started = cluster;
    disposeCluster = () => started.dispose();
    // Four phones (different partitions) take dial commands; the other 60 carry the call load.
    commandPhones = [0, 16, 32, 48].flatMap((p) =>
      cluster.phones.filter((ph) => ph.partition === p),
    );
    loadPhones = cluster.phones.filter((p) => !commandPhones.includes(p));
  });

  afterAll(async () => {
    console.log(`[cluster] measured: ${JSON.stringify(measured)}`);
    await disposeCluster();
    console.log(`[cluster] daemon logs: ${cluster.daemons.map((d) => d.logFile).join(' ')}`);
  });

  it('starts: three members share all 64 partitions', async () => {
    const first = cluster.daemons[0];
    if (first === undefined) throw new Error('no daemon');
    const status = await clusterStatus(first);
    expect(status.owners).toHaveLength(64);
    expect(new Set(status.members.map((m) => m.nodeId))).toEqual(new Set(nodeIds(cluster.daemons)));
    const owned = await ownersByNode(first);
    for (const d of cluster.daemons) expect(owned.get(d.nodeId)?.length ?? 0).toBeGreaterThan(0);
  });

  scenario(1)(
    '1. kill -9 the owner of a phone mid-call: the call is journalled once everywhere',
    async () => {
      const result = await runScenario(cluster, { loadPhones, commandPhones }, async (ctx) => {
        await ctx.moreAcceptedCalls(3);
        const observer = cluster.daemons[0];
        if (observer === undefined) throw new Error('no daemon');
        const phone = loadPhones.find((p) => p.partition === 5) ?? loadPhones[0];
        if (phone === undefined) throw new Error('no phone');
        // The owner must not be the observer (so the observer survives the kill).
        let victim = await ownerOf(cluster, observer, phone);
        let target = phone;
        if (victim === observer) {
          const byNode = await ownersByNode(observer);
          const other = cluster.daemons.find(
            (d) => d !== observer && (byNode.get(d.nodeId)?.length ?? 0) > 0,
          );
          if (other === undefined) throw new Error('no other owner');
          const p = byNode.get(other.nodeId)?.[0] ?? 0;
          target = cluster.phones.find((ph) => ph.partition === p) ?? phone;
          victim = other;
        }
        // A call of the victim's own phone is live (connected) when it dies.
        const callId = `mid-call-${Date.now().toString(36)}@pbx.example`;
        await target.phone.ring('+4930111222', { callId, display: 'Mid Call' });
        await target.phone.answer(callId);
        await target.phone.idle();
        ctx.record('unplanned take-over (kill -9)', await killAndMeasure(victim, 'SIGKILL'));
        await target.phone.hangUp(callId);
        await target.phone.idle();
        await ctx.moreAcceptedCalls(3);
      });
      report('kill -9 owner mid-call', result);
      expect(result.problems).toEqual([]);
      for (const ms of result.timings['unplanned take-over (kill -9)'] ?? []) {
        expect(ms).toBeLessThanOrEqual(TAKE_OVER_BOUND_MS);
      }
    },
  );

  scenario(2)('2. kill -9 and restart daemons under load', async () => {
    const result = await runScenario(cluster, { loadPhones, commandPhones }, async (ctx) => {
      for (const victim of [cluster.daemons[1], cluster.daemons[2]]) {
        if (victim === undefined) continue;
        await ctx.moreAcceptedCalls(3);
        ctx.record('unplanned take-over (kill -9)', await killAndMeasure(victim, 'SIGKILL'));
        await ctx.moreAcceptedCalls(3);
        await startClusterDaemons(cluster, [victim]);
      }
      await ctx.moreAcceptedCalls(3);
    });
    report('kill and restart under load', result);
    expect(result.problems).toEqual([]);
    for (const ms of result.timings['unplanned take-over (kill -9)'] ?? []) {
      expect(ms).toBeLessThanOrEqual(TAKE_OVER_BOUND_MS);
    }
  });

  scenario(4)('4. rolling SIGTERM: planned hand-over of every daemon in turn', async () => {
    const result = await runScenario(cluster, { loadPhones, commandPhones }, async (ctx) => {
      for (const victim of cluster.daemons) {
        await ctx.moreAcceptedCalls(3);
        ctx.record('planned hand-over (SIGTERM)', await killAndMeasure(victim, 'SIGTERM'));
        await startClusterDaemons(cluster, [victim]);
      }
      await ctx.moreAcceptedCalls(3);
    });
    report('rolling SIGTERM', result);
    expect(result.problems).toEqual([]);
    for (const ms of result.timings['planned hand-over (SIGTERM)'] ?? []) {
      expect(ms).toBeLessThanOrEqual(TAKE_OVER_BOUND_MS);
    }
  });

  scenario(5)(
    '5. SIGSTOP a daemon for 2L, then SIGCONT: it stands down, nothing runs twice',
    async () => {
      const result = await runScenario(cluster, { loadPhones, commandPhones }, async (ctx) => {
        await ctx.moreAcceptedCalls(3);
        const index = 1;
        const victim = cluster.daemons[index];
        const observer = cluster.daemons[0];
        if (victim === undefined || observer === undefined) throw new Error('no daemon');
        const since = Date.now();
        victim.pause();
        // A balancer's health check takes the frozen daemon out of rotation after a while.
        cluster.proxy.setEnabled(index, false);
        ctx.record(
          'unplanned take-over (SIGSTOP)',
          await waitForOwners(
            observer,
            nodeIds(cluster.daemons.filter((d) => d !== victim)),
            since,
            30_000,
          ),
        );
        const pausedFor = 2 * LEASE_MS - (Date.now() - since);
        if (pausedFor > 0) await new Promise((r) => setTimeout(r, pausedFor));
        victim.resume();
        cluster.proxy.setEnabled(index, true);
        // Back: it must have given up its old partitions and rejoined as an ordinary member with
        // a share of its own (the same process: no restart).
        await waitForBalanced(observer, nodeIds(cluster.daemons), 30_000);
        await ctx.moreAcceptedCalls(4);
      });
      report('SIGSTOP for 2L', result);
      expect(result.problems).toEqual([]);
      for (const ms of result.timings['unplanned take-over (SIGSTOP)'] ?? []) {
        expect(ms).toBeLessThanOrEqual(TAKE_OVER_BOUND_MS);
      }
    },
  );

  // Runs last: after a nats-server died, the daemons' watches and consumers on it need longest
  // to recover, and a scenario after it would measure that recovery instead of its own failure.
  scenario(3)('3. kill -9 one nats-server (the EVENTS stream leader) under load', async () => {
    const result = await runScenario(cluster, { loadPhones, commandPhones }, async (ctx) => {
      await ctx.moreAcceptedCalls(3);
      // The EVENTS stream's leader: its loss stalls every daemon's ingress until a new leader is
      // elected, the worst case (killing a follower costs the phones nothing, so a run that
      // picked one at random measured nothing about half the time).
      const leader = await streamLeader(cluster.nats.servers);
      const node = cluster.nats.nodes.find((n) => n.name === leader) ?? cluster.nats.nodes[0];
      if (node === undefined) throw new Error('no nats node');
      await node.kill('SIGKILL');
      const since = Date.now();
      await ctx.moreAcceptedCalls(6, 45_000);
      ctx.record('calls flowing again after a nats-server kill', Date.now() - since);
      await node.start();
      await ctx.moreAcceptedCalls(3, 45_000);
    });
    report('kill -9 one nats-server', result);
    // While the stream elects a leader the daemons answer 503; a phone's connection closed
    // without an answer (the per-source cap behind the proxy, evicted admissions) is a bug.
    expect(result.refusedBy['connection closed before a response'] ?? 0).toBe(0);
    expect(result.problems).toEqual([]);
    for (const d of cluster.daemons) {
      const status = await clusterStatus(d);
      expect(status.connected).toBe(true);
    }
  });
});
