import type { FiredActionUrl } from '@snomlink/snom-simulator';
import { startCallLoad } from './call-load.js';
import type { CallLoadOptions, PlacedCall } from './call-load.js';
import type { ClusterDaemon } from './cluster-daemon.js';
import { commandProblems, journalProblems, sseProblems } from './checks.js';
import type { DialSent } from './checks.js';
import { restoreCluster } from './cluster-control.js';
import { dialThrough, dialsReceived, settledJournal, settledLiveCalls } from './observe.js';
import { placeCall } from './call-load.js';
import { traceLostCalls } from './lost-call-trace.js';
import { followSse } from './sse-follower.js';
import type { SseFollower } from './sse-follower.js';
import type { ClusterPhone, TestCluster } from './test-cluster.js';

/** What a scenario's disruption can use while load and commands run. */
export interface ScenarioContext {
  readonly cluster: TestCluster;
  /** Calls placed so far (grows while the load runs). */
  readonly calls: () => readonly PlacedCall[];
  /** Resolves once `n` more calls were placed with every Action URL accepted. */
  moreAcceptedCalls(n: number, timeoutMs?: number): Promise<void>;
  /** Records a take-over time (ms) under a label, for the report. */
  record(label: string, ms: number): void;
}

/** The outcome of one scenario: every problem found, and the measured numbers. */
export interface ScenarioResult {
  readonly problems: string[];
  readonly calls: readonly PlacedCall[];
  readonly refusedCalls: number;
  /** Refused Action URLs by answer (`503`, `timeout after 3000 ms`, `ECONNREFUSED` …). */
  readonly refusedBy: Readonly<Record<string, number>>;
  readonly dials: readonly DialSent[];
  readonly timings: Readonly<Record<string, number[]>>;
  /** Ms each step of the run took (restore, disruption, checks …), to see where time goes. */
  readonly phases: Readonly<Record<string, number>>;
  readonly readers: readonly SseFollower[];
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  readonly load?: CallLoadOptions;
  /** Phones that receive dial commands (kept out of the call load). */
  readonly commandPhones: readonly ClusterPhone[];
  /** Phones the call load uses. */
  readonly loadPhones: readonly ClusterPhone[];
  /** Ms between dial commands (default 600). */
  readonly dialEveryMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one failure scenario the way the acceptance of issue 20 words it: SSE followers on every
 * daemon, a call load over the load phones, dial commands through random live daemons; then the
 * disruption; then the load stops, phones whose Action URLs were refused place one more call (so
 * the calls left open by a lost event end), the cluster is restored, and every check runs:
 * journal exactly once on every daemon, nothing live, no command twice, no SSE gap.
 */
export async function runScenario(
  cluster: TestCluster,
  options: ScenarioOptions,
  disrupt: (ctx: ScenarioContext) => Promise<void>,
): Promise<ScenarioResult> {
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string): void => {
    phases[name] = Date.now() - phaseStart;
    phaseStart = Date.now();
  };
  // A scenario that failed half-way may have left a daemon down: start from a whole cluster.
  await restoreCluster(cluster);
  phase('restore before');
  const timings: Record<string, number[]> = {};
  const fired = new Map<string, FiredActionUrl[]>();
  const offs = cluster.phones.map((p) =>
    p.phone.on('action-url', (f) => {
      fired.set(p.id, [...(fired.get(p.id) ?? []), f]);
    }),
  );
  const readers: SseFollower[] = [];
  for (const d of cluster.live()) {
    readers.push(await followSse(`sse@${d.nodeId}`, d, () => cluster.live()));
  }
  const load = startCallLoad(options.loadPhones, options.load);
  const dials: DialSent[] = [];
  const dialState = { on: true };
  const dialLoop = (async () => {
    let i = 0;
    while (dialState.on) {
      const live = cluster.live();
      const via = live[i % Math.max(1, live.length)];
      const phone = options.commandPhones[i % Math.max(1, options.commandPhones.length)];
      i += 1;
      if (via !== undefined && phone !== undefined) {
        dials.push(await dialThrough(via, phone));
        await phone.phone.releaseAllCalls().catch(() => undefined);
      }
      await sleep(options.dialEveryMs ?? 600);
    }
  })();

  const ctx: ScenarioContext = {
    cluster,
    calls: () => load.calls,
    moreAcceptedCalls: (n, timeoutMs = 30_000) => load.moreAccepted(n, timeoutMs),
    record(label, ms) {
      (timings[label] ??= []).push(ms);
    },
  };

  const problems: string[] = [];
  try {
    await disrupt(ctx);
  } finally {
    dialState.on = false;
    await dialLoop;
  }
  phase('disruption');
  const calls = await load.stop();
  phase('load drained');
  await restoreCluster(cluster);
  phase('restore after');

  // Phones whose events were refused may hold a call the cluster never saw end: their next
  // call's `$nr_ongoing_calls` reconciles it, as on a single daemon.
  const refusedPhones = cluster.phones.filter((p) =>
    (fired.get(p.id) ?? []).some((f) => f.status !== 200),
  );
  // Each phone reconciles on its own, so they run side by side.
  await Promise.all(
    refusedPhones.map(async (phone) => {
      await phone.phone.releaseAllCalls().catch(() => undefined);
      await placeCall(phone, `reconcile-${phone.id}-${Date.now().toString(36)}@pbx.example`, 50);
    }),
  );
  for (const off of offs) off();
  phase('reconcile calls');

  const accepted = calls.filter((c) => c.urls.every((u) => u.status === 200) && c.ended);
  const scenarioCallIds = new Set(
    [...fired.values()].flat().flatMap((f) => (f.callId === null ? [] : [f.callId])),
  );
  const journalled = new Set<string>();
  const acceptedIds = accepted.map((c) => c.callId);
  const settled = await Promise.all(
    cluster.daemons.map(async (d) => ({
      d,
      rows: await settledJournal(d, acceptedIds, 30_000),
      live: await settledLiveCalls(d, 30_000),
    })),
  );
  for (const { d, rows, live } of settled) {
    problems.push(...journalProblems(d.nodeId, calls, rows));
    for (const r of rows) {
      if (r.sipCallId !== null && scenarioCallIds.has(r.sipCallId)) journalled.add(r.sipCallId);
    }
    for (const c of live) {
      problems.push(`${d.nodeId}: call ${String(c.sipCallId)} of ${c.phoneId} still ${c.state}`);
    }
  }
  phase('journal and live calls settled');
  // An accepted call on no journal: print where it went (stream, owner, logs) for a human.
  for (const line of await traceLostCalls(cluster, calls, problems)) console.log(line);
  problems.push(
    ...commandProblems(dials, (phoneId, number) => {
      const phone = cluster.phones.find((p) => p.id === phoneId);
      return phone === undefined ? 0 : dialsReceived(phone, number);
    }),
  );
  // Readers catch up with the last journalled call before their streams are judged.
  await Promise.all(
    readers.map((r) =>
      r
        .until(() => [...journalled].every((id) => r.finishedCalls.has(id)), 10_000)
        .catch(() => undefined),
    ),
  );
  phase('SSE readers caught up');
  for (const r of readers) {
    r.close();
    problems.push(...sseProblems(`${r.name} (via ${r.hops.join('→')})`, r.messages, journalled));
  }
  if (accepted.length === 0) problems.push('no call was accepted at all');
  const refusedBy: Record<string, number> = {};
  for (const f of [...fired.values()].flat()) {
    if (f.status === 200) continue;
    const why = f.status === null ? (f.error ?? 'unknown').replace(/\d+/g, 'N') : String(f.status);
    refusedBy[why] = (refusedBy[why] ?? 0) + 1;
  }
  return {
    problems,
    calls,
    refusedCalls: calls.length - accepted.length,
    refusedBy,
    dials,
    timings,
    phases,
    readers,
  };
}

/** The daemon that owns `phone`'s partition, as `observer` sees it. */
export async function ownerOf(
  cluster: TestCluster,
  observer: ClusterDaemon,
  phone: ClusterPhone,
): Promise<ClusterDaemon> {
  const { owners } = await observer.json<{ owners: (string | null)[] }>('/api/cluster');
  const owner = owners[phone.partition];
  const daemon = cluster.daemons.find((d) => d.nodeId === owner);
  if (daemon === undefined) throw new Error(`partition ${String(phone.partition)} has no owner`);
  return daemon;
}
