// 500 simulated phones in one process placing 10 calls/s for ~20 s against a counting raw
// receiver that runs in a CHILD process, so the CPU and memory printed are the fleet's own.
// Run: npx tsx bench/fleet/run.ts [--count 500] [--rate 10] [--seconds 20]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPhoneFleet } from '../../packages/snom-simulator/src/index.js';
import { askChild } from '../lib/ask-child.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    idle: { type: 'string', default: '5' },
  },
});
const count = Number(values.count);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const idleSeconds = Number(values.idle);
const here = dirname(fileURLToPath(import.meta.url));

// ---- receiver child: a raw TCP server that answers 200 and counts requests
const receiverSource = `
const net = require('node:net');
let count = 0;
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  let buf = '';
  socket.on('data', (chunk) => {
    buf += chunk.toString('latin1');
    if (buf.includes('\\r\\n\\r\\n')) { count += 1; socket.end('HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n'); }
  });
});
server.listen({ host: '127.0.0.1', port: 0 }, () => process.send({ port: server.address().port }));
process.on('message', (m) => { if (m === 'count') process.send({ count }); if (m === 'exit') process.exit(0); });
`;
const child = spawn(process.execPath, ['-e', receiverSource], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ask = <T>(message: string | null, key: string): Promise<T> =>
  askChild<T>(child, message, key);
const port = await ask<number>(null, 'port');

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
async function measure(
  ms: number,
  sampleRss: number[],
): Promise<{ cpuShare: number; wallMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => sampleRss.push(process.memoryUsage().rss), 500);
    setTimeout(() => {
      clearInterval(timer);
      resolve();
    }, ms);
  });
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  return { cpuShare: (cpu.user + cpu.system) / 1000 / wallMs, wallMs };
}

const rssBefore = process.memoryUsage().rss;
const fleet = createPhoneFleet({
  count,
  models: ['snom360', 'snom360', 'snom190'],
  callRate: 0,
  listenerBase: `http://127.0.0.1:${String(port)}`,
  durationMs: [3000, 20_000],
  ringMs: [1000, 5000],
});
const startT0 = performance.now();
await fleet.start();
const startupMs = performance.now() - startT0;
const rssAfterStart = process.memoryUsage().rss;

// idle phase: the phones listen, no calls
const idleRss: number[] = [];
const idle = await measure(idleSeconds * 1000, idleRss);

// load phase: the same phones place calls at `rate`
const receivedBefore = await ask<number>('count', 'count');
fleet.startCalls(rate);
const loadRss: number[] = [];
const load = await measure(seconds * 1000, loadRss);
fleet.stopCalls();
const stats = fleet.stats();
await fleet.close();
const received = (await ask<number>('count', 'count')) - receivedBefore;
child.send('exit');

const result = {
  phones: count,
  callRate: rate,
  seconds,
  startupMs: Math.round(startupMs),
  rssBeforeMb: mb(rssBefore),
  rssAfterStartMb: mb(rssAfterStart),
  idleCpuShareOfOneCore: Math.round(idle.cpuShare * 1000) / 1000,
  idlePeakRssMb: mb(Math.max(...idleRss)),
  loadCpuShareOfOneCore: Math.round(load.cpuShare * 1000) / 1000,
  loadPeakRssMb: mb(Math.max(...loadRss)),
  callsStarted: stats.callsStarted,
  callsPerSecond: Math.round((stats.callsStarted / (load.wallMs / 1000)) * 100) / 100,
  skipped: stats.skipped,
  actionUrlsSent: stats.actionUrlsSent,
  actionUrlsFailed: stats.actionUrlsFailed,
  actionUrlsPerSecond: Math.round((stats.actionUrlsSent / (load.wallMs / 1000)) * 10) / 10,
  receiverCounted: received,
  errors: stats.errors,
  node: process.version,
};

console.log('| metric | value |');
console.log('|---|---|');
for (const [k, v] of Object.entries(result)) console.log(`| ${k} | ${String(v)} |`);
const outDir = join(here, '..', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'fleet.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten ${join(outDir, 'fleet.json')}`);
