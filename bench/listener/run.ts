// Listener throughput: valid Action URL events per second and p99 latency through the real
// listener, side by side with a bare node:http server that only answers 200 and with Hono alone
// answering 200 (the framework's own cost), in one run.
// Also raw unencoded requests (raw spaces, raw UTF-8), which Node's own parser refuses and the
// listener's phone server reads like any other.
//
// Method: one warm-up round (discarded), then BENCH_ROUNDS rounds (default 5); each round runs
// the three servers one after the other, in an order that rotates from round to round, so all
// see the same machine load. A ratio is taken per round (same round, neighbouring runs); the
// median over the rounds is the result and min–max its spread.
// Run: npx tsx bench/listener/run.ts   (writes bench/results/listener.json)
// Env: BENCH_DURATION (s per run, default 5), BENCH_ROUNDS (default 5).
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { askChild } from '../lib/ask-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = 'bench-secret-0123456789';
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 50;

interface Ports {
  listenerPort: number;
  barePort: number;
  honoPort: number;
}
const child = fork(join(here, 'servers.ts'), [], { execArgv: ['--import', 'tsx'] });
const ports = await new Promise<Ports>((resolve) => {
  child.once('message', (m) => {
    resolve(m as Ports);
  });
});
// Servers on one core, load generator on the other (when taskset exists and there are two
// cores): otherwise the scheduler moves both around and the ratio measures contention between
// them as much as the servers' own cost. Printed in the header so a reader knows.
const pinned = pinToCores(child.pid);
function pinToCores(childPid: number | undefined): boolean {
  if (childPid === undefined || cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-acp', '1', String(childPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-acp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function delivered(): Promise<number> {
  return askChild<number>(child, 'count', 'delivered');
}
/** CPU time used by the servers' process so far (µs); only one server is loaded at a time. */
function serverCpu(): Promise<number> {
  return askChild<number>(child, 'cpu', 'cpuMicros');
}

const encodedPath =
  `/snom/p1/incoming?k=${SECRET}&cid=a84b4c76e66710@pbx.example&n=1&user=201` +
  '&local=sip:201@pbx.example&remote=sip:+4930123456@pbx.example&dr=Anna%20M%C3%BCller';
const rawPath = encodedPath.replace('Anna%20M%C3%BCller', 'Anna Müller');

/** `close`: `Connection: close` on every request, so each one opens a new connection. */
async function load(port: number, path: string, close = false): Promise<Result> {
  return autocannon({
    url: `http://127.0.0.1:${String(port)}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [{ method: 'GET', path }],
    ...(close ? { headers: { connection: 'close' } } : {}),
  });
}

interface Row {
  name: string;
  round: number;
  reqPerSec: number;
  /** Server CPU time (user + system) per answered request, µs. */
  cpuMicrosPerRequest: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}
const rows: Row[] = [];
async function measure(name: string, round: number, run: () => Promise<Result>): Promise<Row> {
  const cpuBefore = await serverCpu();
  const r = await run();
  const cpu = (await serverCpu()) - cpuBefore;
  const row = {
    name,
    round,
    reqPerSec: Math.round(r.requests.average),
    cpuMicrosPerRequest: Number((cpu / Math.max(1, r.requests.total)).toFixed(1)),
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  rows.push(row);
  return row;
}

type ServerName = 'bare' | 'hono' | 'listener';
const SERVERS: readonly ServerName[] = ['bare', 'hono', 'listener'];
const LABEL: Record<ServerName, string> = {
  bare: 'bare node:http 200',
  hono: 'Hono alone 200 (node-server)',
  listener: 'listener, valid event',
};
const PORT: Record<ServerName, number> = {
  bare: ports.barePort,
  hono: ports.honoPort,
  listener: ports.listenerPort,
};

interface Round {
  round: number;
  rate: Record<ServerName, number>;
  p99: Record<ServerName, number>;
  cpuMicros: Record<ServerName, number>;
}
const rounds: Round[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const rate: Partial<Record<ServerName, number>> = {};
  const p99: Partial<Record<ServerName, number>> = {};
  const cpuMicros: Partial<Record<ServerName, number>> = {};
  for (let i = 0; i < SERVERS.length; i++) {
    const server = SERVERS[(round + i) % SERVERS.length] ?? 'bare';
    const before = await delivered();
    const r = await measure(LABEL[server], round, () => load(PORT[server], encodedPath));
    if (r.non2xx > 0 || r.errors > 0) {
      throw new Error(`${server} answered ${String(r.non2xx)} non-2xx, ${String(r.errors)} errors`);
    }
    if (server === 'listener') {
      const events = (await delivered()) - before;
      console.log(
        `round ${round === 0 ? '0 (warm-up, discarded)' : String(round)}: ` +
          `${String(events)} events delivered to onEvent`,
      );
    }
    rate[server] = r.reqPerSec;
    p99[server] = r.p99Ms;
    cpuMicros[server] = r.cpuMicrosPerRequest;
  }
  if (round > 0) {
    rounds.push({
      round,
      rate: rate as Record<ServerName, number>,
      p99: p99 as Record<ServerName, number>,
      cpuMicros: cpuMicros as Record<ServerName, number>,
    });
  }
}

// Raw, unencoded requests (raw spaces and UTF-8 in the request line, which Node's own parser
// refuses) against the same event sent encoded, back to back, both on kept-alive connections:
// the phone server reads both the same way.
const encodedKept = await measure('listener, encoded', -1, () =>
  load(ports.listenerPort, encodedPath),
);
const beforeRaw = await delivered();
const raw = await measure('listener, raw unencoded (dr=Anna Müller)', -1, () =>
  load(ports.listenerPort, rawPath),
);
const rawEvents = (await delivered()) - beforeRaw;
// Phones may open a connection per event: the same comparison with bare, back to back.
const bareClose = await measure('bare node:http 200, new connection each', -1, () =>
  load(ports.barePort, encodedPath, true),
);
const listenerClose = await measure('listener, encoded, new connection each', -1, () =>
  load(ports.listenerPort, encodedPath, true),
);
if (raw.non2xx > 0 || raw.errors > 0 || rawEvents === 0) {
  throw new Error(`raw requests: ${String(raw.non2xx)} non-2xx, ${String(raw.errors)} errors`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
interface Spread {
  median: number;
  min: number;
  max: number;
}
function spread(xs: number[]): Spread {
  const r3 = (x: number): number => Number(x.toFixed(3));
  return { median: r3(median(xs)), min: r3(Math.min(...xs)), max: r3(Math.max(...xs)) };
}
const ratios = {
  listenerToBare: spread(rounds.map((r) => r.rate.listener / r.rate.bare)),
  honoToBare: spread(rounds.map((r) => r.rate.hono / r.rate.bare)),
  listenerToHono: spread(rounds.map((r) => r.rate.listener / r.rate.hono)),
  // The same comparison by server CPU time per request (bare / other): less sensitive to other
  // jobs on the machine than req/s, since waiting for a CPU costs no CPU time.
  cpuBareToListener: spread(rounds.map((r) => r.cpuMicros.bare / r.cpuMicros.listener)),
  cpuBareToHono: spread(rounds.map((r) => r.cpuMicros.bare / r.cpuMicros.hono)),
};
const rawRatio = raw.reqPerSec / encodedKept.reqPerSec;
const closeRatio = listenerClose.reqPerSec / bareClose.reqPerSec;
const load1 = loadavg()[0] ?? 0;

console.log(
  `\nListener bench: ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per run, ` +
    `${String(ROUNDS)} rounds + 1 warm-up, ${String(cpus().length)} CPUs, Node ${process.version}, ` +
    `autocannon on 127.0.0.1, ${pinned ? 'servers pinned to CPU 1 and autocannon to CPU 0' : 'not pinned'}, load average ${load1.toFixed(1)} at the end\n`,
);
const fmt = (s: Spread): string =>
  `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
console.table(
  SERVERS.map((server) => {
    const rates = rounds.map((r) => r.rate[server]);
    return {
      server: LABEL[server],
      'median req/s': median(rates),
      'min–max req/s': `${String(Math.min(...rates))}–${String(Math.max(...rates))}`,
      'median p99 ms': median(rounds.map((r) => r.p99[server])),
      'median CPU µs/req': median(rounds.map((r) => r.cpuMicros[server])),
      'of bare (median, min–max)':
        server === 'bare'
          ? '1'
          : fmt(server === 'hono' ? ratios.honoToBare : ratios.listenerToBare),
    };
  }),
);
console.table(
  [encodedKept, raw, bareClose, listenerClose].map((r) => ({
    server: r.name,
    'req/s': r.reqPerSec,
    'p99 ms': r.p99Ms,
    'CPU µs/req': r.cpuMicrosPerRequest,
  })),
);
const ok = ratios.listenerToBare.median >= 0.7;
console.log(
  `ratio listener / bare (valid events, median of ${String(ROUNDS)} rounds, min–max): ` +
    `${fmt(ratios.listenerToBare)} (target >= 0.70) ${ok ? 'OK' : 'BELOW TARGET'}`,
);
console.log(`ratio Hono alone / bare: ${fmt(ratios.honoToBare)}`);
console.log(`ratio listener / Hono alone: ${fmt(ratios.listenerToHono)}`);
console.log(
  `by server CPU time per request, bare / listener: ${fmt(ratios.cpuBareToListener)}, ` +
    `bare / Hono alone: ${fmt(ratios.cpuBareToHono)}`,
);
console.log(
  `raw unencoded / encoded, both kept alive, back to back: ` +
    `${rawRatio.toFixed(2)} (${String(rawEvents)} raw events delivered)`,
);
console.log(
  `listener / bare, a new connection per request, back to back: ${closeRatio.toFixed(2)}`,
);

const out = join(here, '..', 'results', 'listener.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      node: process.version,
      cpus: cpus().length,
      pinned,
      loadAverageAtEnd: Number(load1.toFixed(2)),
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      ratios,
      ratio: ratios.listenerToBare.median,
      rawRatio: Number(rawRatio.toFixed(3)),
      newConnectionRatio: Number(closeRatio.toFixed(3)),
      rawEvents,
      target: 0.7,
      perRound: rounds,
      rows,
    },
    null,
    2,
  ) + '\n',
);
child.send('stop');
