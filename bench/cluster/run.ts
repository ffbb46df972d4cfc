// Cluster benchmark: three nats-servers and three built daemons in cluster mode on this machine
// (the tests/cluster harness), 64 simulated phones' identities (one per partition). Measures:
//   - take-over time p50/p99, unplanned (kill -9 a daemon) and planned (SIGTERM), from the signal
//     until a survivor's GET /api/cluster shows every partition owned by a live member;
//   - event → SSE on another daemon p50/p99: an Action URL sent to daemon 1's phone port until
//     the matching `call-state` arrives on daemon 2's /api/events;
//   - saturation: Action URLs per second accepted (200) through the proxy by three daemons,
//     against one daemon (same three nats-servers), with the machine's core count.
// Prints a table and writes bench/results/cluster.json.
//
// Run:   npx tsx bench/cluster/run.ts              (≈ 3–4 min on 2 cores)
// Other: --rounds 5 --samples 100 --seconds 10 --lease 5000 --concurrency 32
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hasNatsServer } from '../../packages/cluster-nats/src/testing/index.js';
import { connectSse } from '../../tests/system/src/harness/sse-client.js';
import type { ClusterDaemon } from '../../tests/cluster/src/harness/cluster-daemon.js';
import { quantile } from '../../tests/cluster/src/harness/checks.js';
import { startClusterDaemons } from '../../tests/cluster/src/harness/cluster-control.js';
import { waitForOwners } from '../../tests/cluster/src/harness/observe.js';
import { startTestCluster } from '../../tests/cluster/src/harness/test-cluster.js';
import type { ClusterPhone, TestCluster } from '../../tests/cluster/src/harness/test-cluster.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    samples: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    lease: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const rounds = Number(values.rounds);
const samples = Number(values.samples);
const seconds = Number(values.seconds);
const leaseTtlMs = Number(values.lease);
const concurrency = Number(values.concurrency);

if (!hasNatsServer()) {
  console.error('bench/cluster needs nats-server: bash scripts/ensure-nats.sh');
  process.exit(1);
}

const ids = (ds: readonly ClusterDaemon[]): string[] => ds.map((d) => d.nodeId);

/** Sends one Action URL from the phone's own address to `port`; resolves with the status. */
function sendActionUrl(
  port: number,
  phone: ClusterPhone,
  kind: string,
  query: string,
): Promise<number> {
  const path = `/snom/${encodeURIComponent(phone.id)}/${kind}?k=${encodeURIComponent(phone.entry.secret)}&${query}`;
  const localAddress = phone.entry.host.split(':')[0];
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, ...(localAddress ? { localAddress } : {}) },
      (res) => {
        res.resume();
        res.once('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.setTimeout(5000, () => req.destroy());
    req.once('error', () => {
      resolve(0);
    });
    req.end();
  });
}

async function takeOvers(cluster: TestCluster, signal: NodeJS.Signals): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const victim = cluster.daemons[1 + (i % 2)];
    const observer = cluster.daemons[0];
    if (victim === undefined || observer === undefined) throw new Error('need three daemons');
    const others = cluster.daemons.filter((d) => d !== victim);
    const since = Date.now();
    const killed = victim.kill(signal);
    out.push(await waitForOwners(observer, ids(others), since, 60_000));
    await killed;
    await startClusterDaemons(cluster, [victim]);
  }
  return out;
}

async function eventToSse(cluster: TestCluster): Promise<number[]> {
  const [a, b] = cluster.daemons;
  if (a === undefined || b === undefined) throw new Error('need two daemons');
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const waiters = new Map<string, () => void>();
  const sse = await connectSse(`${b.adminBase}/api/events`, {
    token: b.token,
    keep: false,
    onMessage(m) {
      if (m.event !== 'call') return;
      const data = JSON.parse(m.data) as { type: string; call: { sipCallId: string | null } };
      const cid = data.call.sipCallId;
      if (data.type !== 'call-state' || cid === null) return;
      const at = sent.get(cid);
      if (at === undefined) return;
      sent.delete(cid);
      latencies.push(m.receivedAt - at);
      waiters.get(cid)?.();
    },
  });
  try {
    for (let i = 0; i < samples; i++) {
      const phone = cluster.phones[i % cluster.phones.length];
      if (phone === undefined) continue;
      const cid = `bench-sse-${String(i)}-${Date.now().toString(36)}@pbx.example`;
      const seen = new Promise<void>((resolve) => {
        waiters.set(cid, resolve);
        setTimeout(resolve, 10_000);
      });
      sent.set(cid, Date.now());
      await sendActionUrl(
        a.listenerPort,
        phone,
        'incoming',
        `cid=${encodeURIComponent(cid)}&n=1&remote=sip:+4930777${String(i).padStart(4, '0')}@pbx.example`,
      );
      await seen;
      waiters.delete(cid);
      await sendActionUrl(a.listenerPort, phone, 'missed', `cid=${encodeURIComponent(cid)}&n=0`);
    }
  } finally {
    sse.close();
  }
  return latencies;
}

/** Action URLs accepted per second through the proxy, `concurrency` senders for `seconds`. */
async function saturate(cluster: TestCluster): Promise<{ perSecond: number; refused: number }> {
  let ok = 0;
  let refused = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; Date.now() < end; i += concurrency) {
      const phone = cluster.phones[i % cluster.phones.length];
      if (phone === undefined) continue;
      n += 1;
      const cid = `bench-sat-${String(n)}-${String(w)}@pbx.example`;
      const s1 = await sendActionUrl(
        cluster.proxy.port,
        phone,
        'incoming',
        `cid=${encodeURIComponent(cid)}&n=1&remote=sip:+4930888${String(n % 10000).padStart(4, '0')}@pbx.example`,
      );
      const s2 = await sendActionUrl(
        cluster.proxy.port,
        phone,
        'missed',
        `cid=${encodeURIComponent(cid)}&n=0`,
      );
      for (const s of [s1, s2]) {
        if (s === 200) ok += 1;
        else refused += 1;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { perSecond: ok / ((Date.now() - started) / 1000), refused };
}

const result: Record<string, unknown> = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadavg: loadavg() },
  leaseTtlMs,
};
const rows: Record<string, string | number>[] = [];
const ms = (v: number): string => `${v.toFixed(0)} ms`;

const three = await startTestCluster({ leaseTtlMs });
try {
  const unplanned = await takeOvers(three, 'SIGKILL');
  const planned = await takeOvers(three, 'SIGTERM');
  const sse = await eventToSse(three);
  const sat3 = await saturate(three);
  result['takeOverUnplannedMs'] = unplanned;
  result['takeOverPlannedMs'] = planned;
  result['eventToSseMs'] = { p50: quantile(sse, 0.5), p99: quantile(sse, 0.99), n: sse.length };
  result['saturation3'] = sat3;
  rows.push(
    {
      measure: 'take-over, unplanned (kill -9)',
      p50: ms(quantile(unplanned, 0.5)),
      p99: ms(quantile(unplanned, 0.99)),
      n: unplanned.length,
    },
    {
      measure: 'take-over, planned (SIGTERM)',
      p50: ms(quantile(planned, 0.5)),
      p99: ms(quantile(planned, 0.99)),
      n: planned.length,
    },
    {
      measure: 'event → SSE on another daemon',
      p50: ms(quantile(sse, 0.5)),
      p99: ms(quantile(sse, 0.99)),
      n: sse.length,
    },
  );
} finally {
  await three.dispose();
}

const one = await startTestCluster({ leaseTtlMs, daemons: 1 });
try {
  result['saturation1'] = await saturate(one);
} finally {
  await one.dispose();
}
const s3 = result['saturation3'] as { perSecond: number };
const s1 = result['saturation1'] as { perSecond: number };
result['saturationRatio'] = s3.perSecond / s1.perSecond;
rows.push({
  measure: `saturation, Action URLs/s accepted (${String(cpus().length)} cores)`,
  p50: `3 daemons ${s3.perSecond.toFixed(0)}/s`,
  p99: `1 daemon ${s1.perSecond.toFixed(0)}/s`,
  n: `ratio ${(s3.perSecond / s1.perSecond).toFixed(2)}`,
});
console.table(rows);

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(join(here, '..', 'results', 'cluster.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/cluster.json');
