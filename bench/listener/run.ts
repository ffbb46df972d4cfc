// Listener throughput: valid Action URL events per second and p99 latency through the real
// listener, side by side with a bare node:http server that only answers 200, in one run.
// Also the tolerant path: raw unencoded requests (raw spaces, raw UTF-8) that Node's parser
// refuses and the clientError front re-reads.
// Run: npx tsx bench/listener/run.ts   (writes bench/results/listener.json)
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = 'bench-secret-0123456789';
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;

const child = fork(join(here, 'servers.ts'), [], { execArgv: ['--import', 'tsx'] });
const ports = await new Promise<{ listenerPort: number; barePort: number }>((resolve) => {
  child.once('message', (m) => {
    resolve(m as { listenerPort: number; barePort: number });
  });
});
function delivered(): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => {
      resolve((m as { delivered: number }).delivered);
    });
    child.send('count');
  });
}

const encodedPath =
  `/snom/p1/incoming?k=${SECRET}&cid=a84b4c76e66710@pbx.example&n=1&user=201` +
  '&local=sip:201@pbx.example&remote=sip:+4930123456@pbx.example&dr=Anna%20M%C3%BCller';
const rawPath = encodedPath.replace('Anna%20M%C3%BCller', 'Anna Müller');

async function load(
  port: number,
  path: string,
  connections = CONNECTIONS,
  close = false,
): Promise<Result> {
  return autocannon({
    url: `http://127.0.0.1:${String(port)}`,
    connections,
    duration: DURATION_S,
    requests: [{ method: 'GET', path }],
    ...(close ? { headers: { connection: 'close' } } : {}),
  });
}

interface Row {
  name: string;
  reqPerSec: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}
const rows: Row[] = [];
function record(name: string, r: Result): Row {
  const row = {
    name,
    reqPerSec: Math.round(r.requests.average),
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  rows.push(row);
  return row;
}

// Warm up both, then alternate bare / listener so both see the same machine load.
await load(ports.barePort, '/', 10);
await load(ports.listenerPort, encodedPath, 10);
const bareRates: number[] = [];
const listenerRates: number[] = [];
const bareP99: number[] = [];
const listenerP99: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const b = record(
    `bare node:http 200 (round ${String(round)})`,
    await load(ports.barePort, encodedPath),
  );
  const before = await delivered();
  const l = record(
    `listener, valid event (round ${String(round)})`,
    await load(ports.listenerPort, encodedPath),
  );
  const events = (await delivered()) - before;
  if (l.non2xx > 0 || l.errors > 0)
    throw new Error(`listener answered ${String(l.non2xx)} non-2xx`);
  console.log(`round ${String(round)}: ${String(events)} events delivered to onEvent`);
  bareRates.push(b.reqPerSec);
  listenerRates.push(l.reqPerSec);
  bareP99.push(b.p99Ms);
  listenerP99.push(l.p99Ms);
}
// The tolerant path. A refused request cannot stay on its connection (Node's parser has given
// up on it), so compare it with the same valid event sent encoded on a new connection each time.
const encodedClose = record(
  'listener, encoded, new connection each',
  await load(ports.listenerPort, encodedPath, CONNECTIONS, true),
);
const beforeRaw = await delivered();
const raw = record(
  'listener, raw unencoded, new connection each (clientError front)',
  await load(ports.listenerPort, rawPath, CONNECTIONS, true),
);
const rawEvents = (await delivered()) - beforeRaw;

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const ratio = sum(listenerRates) / sum(bareRates);
const rawRatio = raw.reqPerSec / encodedClose.reqPerSec;

console.log(
  `\nListener bench: ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per run, ` +
    `${String(cpus().length)} CPUs, Node ${process.version}, autocannon on 127.0.0.1\n`,
);
console.table(
  rows.map((r) => ({
    server: r.name,
    'req/s': r.reqPerSec,
    'p99 ms': r.p99Ms,
    non2xx: r.non2xx,
    errors: r.errors,
  })),
);
console.log(
  `ratio listener / bare (valid events, summed over ${String(ROUNDS)} rounds): ${ratio.toFixed(2)} ` +
    `(target >= 0.70) ${ratio >= 0.7 ? 'OK' : 'BELOW TARGET'}`,
);
console.log(
  `raw unencoded (tolerant front) / encoded, both on a new connection per request: ` +
    `${rawRatio.toFixed(2)} (${String(rawEvents)} raw events delivered)`,
);

const out = join(here, '..', 'results', 'listener.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      node: process.version,
      cpus: cpus().length,
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      rows,
      ratio: Number(ratio.toFixed(3)),
      rawRatio: Number(rawRatio.toFixed(3)),
      bareP99,
      listenerP99,
      rawEvents,
      target: 0.7,
    },
    null,
    2,
  ) + '\n',
);
child.send('stop');
