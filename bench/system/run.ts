// System benchmark: 1,000 simulated phones (800 snom360-class, 200 snom190-class, each on its
// own 127.0.x.y address) configured into ONE built daemon (a child process) and provisioned
// through its API; calls at 5, 20 and 50 calls/s; then the same load against a bare node:http
// receiver (another child process) that only counts, for the machine's limit. The simulated
// phones run in a load generator process of their own (generator.ts); this process starts the
// targets, reads the SSE stream and measures. Traffic stays on 127.0.0.0/8.
//
// Run:   npx tsx bench/system/run.ts                      (full: 3 × 60 s per target, ~8 min)
// Quick: npx tsx bench/system/run.ts --seconds 10          (or SYSTEM_BENCH_SECONDS=10)
// Other: --phones 1000 --rates 5,20,50 --saturate 10 --skip-bare --health-ms 30000
//        --provision-concurrency 64 (provisioning requests in flight; 16 before issue 19's third pass)
//        --before <older dist/cli.js> (same phones and load against it first, side by side)
//        --cpu-prof <dir> (V8 CPU profile of the daemon; summarise with bench/system/profile-summary.ts)
//        --heap-snapshot <dir> (heap snapshots of the daemon started and provisioned; compare
//        with bench/system/heap-summary.ts)
//        --node-args=--v8-pool-size=1 (node options for the daemon, not --before; with
//        --before apps/daemon/dist/cli.js the same build without and with them)
//        --journal-thread (the daemon, not --before, with `journal.writerThread`; with
//        --before apps/daemon/dist/cli.js the same build without and with it, side by side)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDaemon } from '../../tests/system/src/harness/daemon-process.js';
import type { DaemonProcess } from '../../tests/system/src/harness/daemon-process.js';
import { reapChildrenOnExit } from '../../tests/system/src/harness/child-reaper.js';
import { connectSse } from '../../tests/system/src/harness/sse-client.js';
import type { SseMessage } from '../../tests/system/src/harness/sse-client.js';
import { askChild } from '../lib/ask-child.js';
import { checkClock, clockMs } from './clock.js';
import { startGenerator } from './generator-client.js';
import type { GeneratorPhase, PlacedCall } from './generator-protocol.js';
import { createLatencyMatch, tailSpread } from './latency-match.js';
import type { TailSpread } from './latency-match.js';
import { watchLoopDelay } from './loop-delay.js';
import { provisionAll } from './provision-all.js';
import type { ProvisionReport } from './provision-all.js';

// A crash or Ctrl-C must not leave the daemon and phone processes running (one ran orphaned
// for 80 minutes and loaded every later run).
reapChildrenOnExit();

const { values } = parseArgs({
  options: {
    phones: { type: 'string', default: '1000' },
    seconds: { type: 'string' },
    rates: { type: 'string', default: '5,20,50' },
    saturate: { type: 'string', default: '10' },
    'skip-bare': { type: 'boolean', default: false },
    /** node options for the daemon (not --before): the same build with and without, side by side. */
    'node-args': { type: 'string' },
    'health-ms': { type: 'string', default: '30000' },
    /** Provisioning requests in flight at a time (an admin tool provisioning a fleet). */
    'provision-concurrency': { type: 'string', default: '64' },
    /** An older built cli.js run first with the same phones and load (before/after in one run). */
    before: { type: 'string' },
    /** Write a V8 CPU profile of the daemon (not of --before) into this directory. */
    'cpu-prof': { type: 'string' },
    /** Write heap snapshots of the daemon (started, provisioned) into this directory. */
    'heap-snapshot': { type: 'string' },
    /** Run the daemon (not --before) with the journal's writer thread. */
    'journal-thread': { type: 'boolean', default: false },
  },
});
const PHONES = Number(values.phones);
const SECONDS = Number(values.seconds ?? process.env['SYSTEM_BENCH_SECONDS'] ?? '60');
const RATES = values.rates.split(',').map(Number);
const SATURATE_SECONDS = Number(values.saturate);
const HEALTH_MS = Number(values['health-ms']);
const PROVISION_CONCURRENCY = Number(values['provision-concurrency']);
const here = dirname(fileURLToPath(import.meta.url));
const CLK_TCK = 100; // Linux USER_HZ

// ------------------------------------------------------------------------------ measurement

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}
/** Where the resident memory is: V8's reservation, C++ objects, and RSS split anon / file. */
async function memoryDetail(pid: number): Promise<string> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const text = await scrapeMetrics();
  const metric = (name: string): string => {
    const value = text === null ? null : metricValue(text, name);
    return value === null ? '–' : String(mb(value));
  };
  return `heap used ${metric('nodejs_heap_size_used_bytes')} MB of ${metric('nodejs_heap_size_total_bytes')} MB reserved, external ${metric('nodejs_external_memory_bytes')} MB; RSS anon ${String(mb(kb('RssAnon')))} MB, file ${String(mb(kb('RssFile')))} MB`;
}
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** CPU share (% of one core) and peak RSS of `pid` while `run` runs. */
async function watch<T>(
  pid: number,
  run: () => Promise<T>,
): Promise<{ result: T; cpuPercent: number; peakRssMb: number; wallS: number }> {
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  let peak = rssBytes(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 200);
  try {
    const result = await run();
    const wallS = (performance.now() - t0) / 1000;
    const cpuPercent = ((cpuTicks(pid) - c0) / CLK_TCK / wallS) * 100;
    peak = Math.max(peak, rssBytes(pid));
    return { result, cpuPercent, peakRssMb: mb(peak), wallS };
  } finally {
    clearInterval(sampler);
  }
}

// ------------------------------------------------------------------------------ targets

interface PhaseResult {
  /** `bare`, or the daemon's label (`daemon`, `before` with --before). */
  target: string;
  phase: string;
  offeredCallsPerS: number;
  calls: number;
  skipped: number;
  actionUrls: number;
  eventsPerS: number;
  sseP50Ms: number | null;
  sseP99Ms: number | null;
  /**
   * When the events at or above the SSE p99 arrived: most of them within one window is a stall
   * (of the daemon, the generator or the host); spread over the phase, a steady tail.
   */
  sseTail: TailSpread | null;
  /** The daemon's event loop delay over the phase (its /api/metrics summary), ms. */
  loopP50Ms: number | null;
  loopP99Ms: number | null;
  loopMaxMs: number | null;
  /** The generator process's (simulated phones) event loop delay over the phase, ms. */
  genLoopP99Ms: number;
  genLoopMaxMs: number;
  /** This (measuring: SSE reader, probes) process's event loop delay over the phase, ms. */
  measLoopP99Ms: number;
  measLoopMaxMs: number;
  phoneRoundTripP50Ms: number | null;
  phoneRoundTripP99Ms: number | null;
  cpuPercent: number;
  peakRssMb: number;
  generatorCpuPercent: number;
  /** GET /api/health every 100 ms during the phase: p99 and max answer time, ms. */
  healthProbeP99Ms: number | null;
  healthProbeMaxMs: number | null;
  logRequestsPer190Call: number | null;
  logReads: number;
  logClears: number;
  calls190: number;
}

let probeBase: { url: string; token: string } | null = null;

/** Reads one sample value of the exposition text (no labels, or exactly `labels`). */
function metricValue(text: string, name: string, labels = ''): number | null {
  const escaped = `${name}${labels}`.replace(/[{}.*+?^$()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The daemon's metrics (null when it cannot be scraped). */
async function scrapeMetrics(): Promise<string | null> {
  if (probeBase === null) return null;
  const answer = await fetch(`${probeBase.url}/api/metrics`, {
    headers: { authorization: `Bearer ${probeBase.token}` },
  });
  return answer.ok ? answer.text() : null;
}

/**
 * The event loop delay since the previous scrape (p50, p99, max in ms). Daemons from before the
 * summary only have the p99 gauge.
 */
async function scrapeEventLoop(): Promise<{
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
} | null> {
  const text = await scrapeMetrics();
  if (text === null) return null;
  // Daemons before issue 19's fix reported perf_hooks' raw intervals, which include the 10 ms
  // sampling period (an idle loop read 10 ms): take it off here so before/after compare.
  const rawIntervals = !text.includes('less its sampling period');
  const ms = (x: number | null): number | null =>
    x === null ? null : round1(Math.max(0, x * 1000 - (rawIntervals ? 10 : 0)));
  return {
    p50Ms: ms(metricValue(text, 'snomlink_event_loop_delay_seconds', '{quantile="0.5"}')),
    p99Ms: ms(metricValue(text, 'snomlink_event_loop_delay_p99_seconds')),
    maxMs: ms(metricValue(text, 'snomlink_event_loop_delay_max_seconds')),
  };
}

async function measurePhase(
  target: string,
  pid: number,
  phase: string,
  offered: number,
  run: () => Promise<{ calls: number; skipped: number; calls190: number }>,
  eventCount: () => number,
  after: (calls: number) => Promise<void> = () => Promise.resolve(),
): Promise<PhaseResult> {
  const events0 = eventCount();
  latency.drain();
  await generator.call('phaseBegin', null);
  const measLoop = watchLoopDelay();
  const probes: number[] = [];
  const isDaemon = target !== 'bare';
  let probing = isDaemon && probeBase !== null;
  // A scrape starts a new event loop delay window in the daemon: this one covers the phase.
  if (isDaemon) await scrapeEventLoop();
  const probeLoop = (async () => {
    while (probing && probeBase !== null) {
      const p0 = performance.now();
      try {
        const answer = await fetch(`${probeBase.url}/api/health`, {
          headers: { authorization: `Bearer ${probeBase.token}` },
        });
        await answer.arrayBuffer();
        probes.push(performance.now() - p0);
      } catch (error) {
        // A reset probe (a starved daemon, 10,000 phones) is reported, not the end of the run.
        console.log(
          `[${target}] health probe failed: ${String(error)} ${String((error as Error).cause)}`,
        );
      }
      await delay(100);
    }
  })();
  const watched = await watch(pid, run);
  const loop = isDaemon ? await scrapeEventLoop() : null;
  probing = false;
  await probeLoop;
  probes.sort((a, b) => a - b);
  const gen: GeneratorPhase = await generator.call('phaseEnd', null);
  const measLoopDelay = measLoop.stop();
  const events = eventCount() - events0;
  await after(watched.result.calls);
  const sseSamples = latency.drain();
  const sse = sseSamples.map((s) => s.ms).sort((a, b) => a - b);
  const sseP99 = percentile(sse, 99);
  const trips = gen.roundTrips.sort((a, b) => a - b);
  const { calls, skipped, calls190 } = watched.result;
  const { logReads, logClears } = gen;
  return {
    target,
    phase,
    offeredCallsPerS: offered,
    calls,
    skipped,
    actionUrls: gen.fired,
    eventsPerS: round1(events / watched.wallS) ?? 0,
    sseP50Ms: isDaemon ? round1(percentile(sse, 50)) : null,
    sseP99Ms: isDaemon ? round1(sseP99) : null,
    sseTail: isDaemon && sseP99 !== null ? tailSpread(sseSamples, sseP99) : null,
    loopP50Ms: loop?.p50Ms ?? null,
    loopP99Ms: loop?.p99Ms ?? null,
    loopMaxMs: loop?.maxMs ?? null,
    genLoopP99Ms: gen.loop.p99Ms,
    genLoopMaxMs: gen.loop.maxMs,
    measLoopP99Ms: measLoopDelay.p99Ms,
    measLoopMaxMs: measLoopDelay.maxMs,
    phoneRoundTripP50Ms: round1(percentile(trips, 50)),
    phoneRoundTripP99Ms: round1(percentile(trips, 99)),
    cpuPercent: round1(watched.cpuPercent) ?? 0,
    peakRssMb: watched.peakRssMb,
    generatorCpuPercent: gen.cpuPercent,
    healthProbeP99Ms: round1(percentile(probes, 99)),
    healthProbeMaxMs: round1(probes.at(-1) ?? null),
    logRequestsPer190Call:
      isDaemon && calls190 > 0 ? round1((logReads + logClears) / calls190) : null,
    logReads,
    logClears,
    calls190,
  };
}

interface JournalRow {
  sipCallId: string | null;
  phoneId: string;
  direction: string;
  remoteNumber: string | null;
  remoteName: string | null;
  startedAt: number;
}

async function fetchJournal(daemon: DaemonProcess): Promise<JournalRow[]> {
  const rows: JournalRow[] = [];
  let before: number | null = null;
  for (;;) {
    const page: { entries: JournalRow[]; nextBefore: number | null } = await daemon.json(
      `/api/journal?limit=500${before === null ? '' : `&before=${String(before)}`}`,
    );
    rows.push(...page.entries);
    if (page.nextBefore === null) return rows;
    before = page.nextBefore;
  }
}

/** Every placed call must be in the journal exactly once, with the right number and name. */
function verifyJournal(
  placed: readonly PlacedCall[],
  rows: readonly JournalRow[],
): {
  lost: number;
  duplicated: number;
  wrongNumber: number;
  wrongName: number;
  byClass: Record<string, { calls: number; lost: number; duplicated: number; wrongNumber: number }>;
  examples: string[];
} {
  const result = {
    lost: 0,
    duplicated: 0,
    wrongNumber: 0,
    wrongName: 0,
    byClass: {
      full: { calls: 0, lost: 0, duplicated: 0, wrongNumber: 0 },
      parameterless: { calls: 0, lost: 0, duplicated: 0, wrongNumber: 0 },
    } as Record<string, { calls: number; lost: number; duplicated: number; wrongNumber: number }>,
    examples: [] as string[],
  };
  const bySip = new Map<string, JournalRow[]>();
  const byPhone = new Map<string, JournalRow[]>();
  for (const row of rows) {
    if (row.sipCallId !== null)
      bySip.set(row.sipCallId, [...(bySip.get(row.sipCallId) ?? []), row]);
    byPhone.set(row.phoneId, [...(byPhone.get(row.phoneId) ?? []), row]);
  }
  const check = (call: PlacedCall, found: readonly JournalRow[]): void => {
    const cls = result.byClass[call.cls]!;
    cls.calls++;
    if (found.length === 0) {
      result.lost++;
      cls.lost++;
      if (result.examples.length < 10)
        result.examples.push(
          `lost: ${call.phoneId} ${call.kind} ${call.number} ${call.simCallId ?? ''}`,
        );
      return;
    }
    if (found.length > 1) {
      result.duplicated++;
      cls.duplicated++;
      if (result.examples.length < 10)
        result.examples.push(
          `duplicated ×${found.length}: ${call.phoneId} ${call.kind} ${call.number}`,
        );
    }
    const row = found[0]!;
    if (row.remoteNumber !== call.number) {
      result.wrongNumber++;
      cls.wrongNumber++;
      if (result.examples.length < 10)
        result.examples.push(
          `number: ${call.phoneId} ${call.kind} placed ${call.number}, journal ${String(row.remoteNumber)}`,
        );
    }
    if (call.kind !== 'outgoing' && row.remoteName !== call.display) result.wrongName++;
  };
  // Full class: matched by SIP Call-ID.
  for (const call of placed.filter((c) => c.cls === 'full')) {
    check(
      call,
      (bySip.get(call.simCallId ?? '') ?? []).filter((r) => r.phoneId === call.phoneId),
    );
  }
  // 190 class: the phone's calls in order against its rows in order (one call at a time).
  const grouped = new Map<string, PlacedCall[]>();
  for (const call of placed.filter((c) => c.cls === 'parameterless'))
    grouped.set(call.phoneId, [...(grouped.get(call.phoneId) ?? []), call]);
  for (const [phoneId, calls] of grouped) {
    const phoneRows = [...(byPhone.get(phoneId) ?? [])].sort((a, b) => a.startedAt - b.startedAt);
    const bySim = new Map<string, JournalRow[]>();
    for (const row of phoneRows)
      if (row.sipCallId !== null)
        bySim.set(row.sipCallId, [...(bySim.get(row.sipCallId) ?? []), row]);
    const unclaimed = phoneRows.filter(
      (r) => r.sipCallId === null || !calls.some((c) => c.simCallId === r.sipCallId),
    );
    for (const call of calls) {
      const exact = bySim.get(call.simCallId ?? '');
      if (exact !== undefined) check(call, exact);
      else {
        // No Call-ID match (log scan missed it): take the nearest unclaimed row by time.
        const index = unclaimed.findIndex((r) => Math.abs(r.startedAt - call.startedAt) < 5000);
        check(call, index === -1 ? [] : unclaimed.splice(index, 1));
      }
    }
    if (unclaimed.length > 0) {
      result.duplicated += unclaimed.length;
      result.byClass['parameterless']!.duplicated += unclaimed.length;
      if (result.examples.length < 10)
        result.examples.push(
          `extra rows for ${phoneId}: ${unclaimed
            .map(
              (r) =>
                `${r.direction} ${String(r.remoteNumber)} sip=${String(r.sipCallId)} at ${String(r.startedAt)}`,
            )
            .join('; ')}; calls placed: ${calls
            .map(
              (c) => `${c.kind} ${c.number} sim=${String(c.simCallId)} at ${String(c.startedAt)}`,
            )
            .join('; ')}`,
        );
    }
  }
  return result;
}

function startBareReceiver(): Promise<{
  child: ChildProcess;
  port: number;
  count(): Promise<number>;
}> {
  const source = `
const http = require('node:http');
let count = 0;
const server = http.createServer((req, res) => { count++; res.end(); });
// Phones send raw spaces and UTF-8 in the target, which node:http refuses: count and answer 200.
server.on('clientError', (err, socket) => {
  count++;
  if (socket.writable) socket.end('HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n');
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => { if (m === 'count') process.send({ count }); });
`;
  const child = spawn(process.execPath, ['-e', source], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: string | null, key: string): Promise<T> =>
    askChild<T>(child, message, key);
  return ask<number>(null, 'port').then((port) => ({
    child,
    port,
    count: () => ask<number>('count', 'count'),
  }));
}

// ------------------------------------------------------------------------------ main

const results: PhaseResult[] = [];
console.log(
  `system bench: ${String(PHONES)} phones, rates ${RATES.join('/')} calls/s, ${String(SECONDS)} s each, saturation ${String(SATURATE_SECONDS)} s, health check every ${String(HEALTH_MS)} ms; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
// Phone event → SSE event: the generator reports when each Action URL was queued, the SSE
// reader below when the daemon's event for it arrived; both on clock.ts's clock.
const latency = createLatencyMatch();
/** Only while an SSE reader is connected: fired events of other phases would never match. */
let matching = false;
const generator = startGenerator((events) => {
  if (matching) for (const e of events) latency.fired(e, e.at);
});
await generator.call('clock', null); // the first answer also waits for the child's start
const clock = await checkClock(() => generator.call('clock', null));
console.log(
  `generator process ${String(generator.child.pid)}: same clock as this process (each of 20 reads within its ask/answer window, widest ${String(clock.maxWindowMs)} ms)`,
);
const { entries: phones, startMs: phonesStartMs } = await generator.call('start', {
  phones: PHONES,
});
console.log(
  `${String(phones.length)} phones listening in ${String(phonesStartMs)} ms (${phones[0]?.host ?? ''} … ${phones.at(-1)?.host ?? ''})`,
);

/** Heap, RSS and start time of a daemon with no phones (the baseline of the per-phone cost). */
async function emptyDaemon(bin: string | undefined): Promise<MemoryFigures> {
  const t0 = performance.now();
  const daemon = await startDaemon({ phones: [], ...(bin === undefined ? {} : { bin }) });
  const startMs = Math.round(performance.now() - t0);
  probeBase = { url: daemon.adminBase, token: daemon.token };
  const figures = await memoryFigures(daemon.pid, startMs);
  probeBase = null;
  await daemon.stop();
  return figures;
}

/**
 * Has the daemon (started with `--heapsnapshot-signal=SIGUSR2`) write a heap snapshot into
 * `dir` and waits until it is written: V8 collects garbage first, so the heap figure read after
 * it is what the daemon retains. The daemon is blocked while it writes: an API answer after the
 * file appeared means it is done.
 */
async function heapSnapshot(daemon: DaemonProcess, dir: string, name: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(daemon.pid, 'SIGUSR2');
  let file: string | undefined;
  while (file === undefined) {
    await delay(100);
    file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
  }
  // The first request may meet a kept-alive socket the daemon closes as it wakes up: retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await (await daemon.api('/api/health')).arrayBuffer();
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await delay(200);
    }
  }
  const target = join(dir, `${name}.heapsnapshot`);
  renameSync(join(dir, file), target);
  return target;
}

interface MemoryFigures {
  startMs: number;
  rssMb: number;
  heapUsedMb: number | null;
}

async function memoryFigures(pid: number, startMs: number): Promise<MemoryFigures> {
  const text = await scrapeMetrics();
  const heap = text === null ? null : metricValue(text, 'nodejs_heap_size_used_bytes');
  return { startMs, rssMb: mb(rssBytes(pid)), heapUsedMb: heap === null ? null : mb(heap) };
}

interface TargetReport {
  label: string;
  empty: MemoryFigures;
  started: MemoryFigures;
  provisioned: MemoryFigures;
  provisionMs: number;
  provisionFailures: number;
  provisioning: ProvisionReport;
  peakRssMb: number;
  saturation: { eventsPerS: number; cpuPercent: number } | null;
  journal: ReturnType<typeof verifyJournal> & { placed: number; rows: number; drained: boolean };
  actionUrls: { sseActionEvents: number; unmatched: number };
  health: Record<string, unknown>;
}

/** Starts one daemon build with every phone, provisions them, runs the rate phases and saturation. */
async function runDaemonTarget(label: string, bin: string | undefined): Promise<TargetReport> {
  await generator.call('clearLogs', null);
  const empty = await emptyDaemon(bin);
  const profileDir = label === 'daemon' ? values['cpu-prof'] : undefined;
  const snapshotDir = label === 'daemon' ? values['heap-snapshot'] : undefined;
  if (snapshotDir !== undefined) mkdirSync(snapshotDir, { recursive: true });
  const extraArgs =
    label === 'daemon' ? (values['node-args']?.split(/\s+/).filter(Boolean) ?? []) : [];
  const nodeArgs = [
    ...extraArgs,
    ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
    ...(snapshotDir === undefined
      ? []
      : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`]),
  ];
  const t0 = performance.now();
  const daemon = await startDaemon({
    phones: phones.map(({ id, host, model, secret }) => ({ id, host, model, secret })),
    config: {
      health: { intervalMs: HEALTH_MS, phoneTimeoutMs: 5000 },
      ...(label === 'daemon' && values['journal-thread']
        ? { journal: { writerThread: true } }
        : {}),
    },
    logLevel: 'info',
    startTimeoutMs: 120_000,
    ...(bin === undefined ? {} : { bin }),
    ...(nodeArgs.length === 0 ? {} : { nodeArgs }),
  });
  const startMs = Math.round(performance.now() - t0);
  probeBase = { url: daemon.adminBase, token: daemon.token };
  const started = await memoryFigures(daemon.pid, startMs);
  if (snapshotDir !== undefined) {
    const file = await heapSnapshot(daemon, snapshotDir, 'started');
    console.log(`[${label}] heap snapshot ${file}; after GC: ${await memoryDetail(daemon.pid)}`);
  }
  console.log(
    `[${label}] started with ${String(phones.length)} phones in ${String(startMs)} ms: RSS ${String(started.rssMb)} MB, heap ${String(started.heapUsedMb)} MB (no phones: start ${String(empty.startMs)} ms, RSS ${String(empty.rssMb)} MB, heap ${String(empty.heapUsedMb)} MB)`,
  );

  // Provision every phone through the admin API (--provision-concurrency at a time).
  const provisioning = await provisionAll(
    daemon,
    phones.map((p) => p.id),
    PROVISION_CONCURRENCY,
    (slice) => {
      console.log(`[${label}] provisioning ${JSON.stringify(slice)}`);
    },
  );
  const { ms: provisionMs, failures: provisionFailures } = provisioning;
  if (provisioning.errors.length > 0)
    console.log(`[${label}] provisioning errors: ${provisioning.errors.join(' | ')}`);
  const provisioned = await memoryFigures(daemon.pid, startMs);
  if (snapshotDir !== undefined) {
    const file = await heapSnapshot(daemon, snapshotDir, 'provisioned');
    console.log(`[${label}] heap snapshot ${file}; after GC: ${await memoryDetail(daemon.pid)}`);
  }
  console.log(
    `[${label}] provisioned ${String(phones.length)} phones through the API in ${String(provisionMs)} ms (${String(provisionFailures)} failed); RSS ${String(provisioned.rssMb)} MB, heap ${String(provisioned.heapUsedMb)} MB (${await memoryDetail(daemon.pid)}); load average ${loadavg()[0]?.toFixed(1) ?? ''}`,
  );

  // SSE reader: latency matching and counters.
  let sseActionEvents = 0;
  let sseFinished = 0;
  let finishWaiter: { target: number; resolve: () => void } | null = null;
  const sse = await connectSse(`${daemon.adminBase}/api/events`, {
    token: daemon.token,
    keep: false,
    now: clockMs,
    onMessage: (message: SseMessage) => {
      if (message.event === 'action-event') {
        const data = JSON.parse(message.data) as {
          event: { phoneId: string; kind: string; source: string; params: { callId?: string } };
        };
        if (data.event.source !== 'action-url') return;
        sseActionEvents++;
        const cls = phones[Number(data.event.phoneId.slice(1)) - 1]?.cls ?? 'full';
        const { phoneId, kind, params } = data.event;
        latency.seen({ phoneId, cls, kind, callId: params.callId }, message.receivedAt);
      } else if (message.event === 'call' && message.data.includes('"type":"call-finished"')) {
        sseFinished++;
        if (finishWaiter !== null && sseFinished >= finishWaiter.target) finishWaiter.resolve();
      }
    },
  });
  matching = true;
  const waitFinished = (target: number, timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (sseFinished >= target) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => {
        finishWaiter = null;
        resolve(false);
      }, timeoutMs);
      finishWaiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          finishWaiter = null;
          resolve(true);
        },
      };
    });

  const placed: PlacedCall[] = [];
  for (const rate of RATES) {
    const phase = `${String(rate)}/s`;
    const finished0 = sseFinished;
    const windowFromUs = process.hrtime.bigint() / 1000n; // for profile-summary --window
    const result = await measurePhase(
      label,
      daemon.pid,
      phase,
      rate,
      async () => {
        const before = placed.length;
        const r = await generator.call('place', { rate, seconds: SECONDS, phase });
        placed.push(...r.calls);
        const calls190 = placed.slice(before).filter((c) => c.cls === 'parameterless').length;
        return { calls: r.calls.length, skipped: r.skipped, calls190 };
      },
      () => sseActionEvents,
      // Every call placed must come out as a finished call (190 ones via the log scan).
      async (calls) => {
        await waitFinished(finished0 + calls, 30_000);
      },
    );
    results.push(result);
    console.log(JSON.stringify({ ...result, loadAverage1m: loadavg()[0] }));
    const tail = result.sseTail;
    if (tail !== null) {
      console.log(
        `[${label}] ${phase} SSE tail: the ${String(tail.slow)} events at or above p99 came over ${String(tail.spanMs)} ms, at most ${String(tail.mostWithinWindow)} within ${String(tail.windowMs)} ms (from ${String(tail.busiestFromUs)} µs)`,
      );
    }
    console.log(
      `[${label}] ${phase} window ${String(windowFromUs)}-${String(process.hrtime.bigint() / 1000n)} (${String(result.actionUrls)} Action URLs; profile-summary --window)`,
    );
  }

  let saturation: TargetReport['saturation'] = null;
  const unmatched = latency.unmatched();
  latency.reset();
  if (SATURATE_SECONDS > 0) {
    // Saturation runs with the SSE reader disconnected, as before the generator had a process
    // of its own (then its parsing made the generator the bottleneck): the figures compare.
    sse.close();
    await sse.closed;
    matching = false;
    const windowFromUs = process.hrtime.bigint() / 1000n; // CPU profiles use the same clock
    const watched = await watch(daemon.pid, () =>
      generator.call('saturate', { seconds: SATURATE_SECONDS, concurrency: 200 }),
    );
    const windowToUs = process.hrtime.bigint() / 1000n;
    saturation = {
      eventsPerS: round1(watched.result / watched.wallS) ?? 0,
      cpuPercent: round1(watched.cpuPercent) ?? 0,
    };
    console.log(
      `[${label}] saturation: ${String(saturation.eventsPerS)} Action URLs/s, daemon CPU ${String(saturation.cpuPercent)} %`,
    );
    console.log(
      `[${label}] saturation window ${String(windowFromUs)}-${String(windowToUs)} (${String(watched.result)} Action URLs; profile-summary --window)`,
    );
  }

  // Lost events: every call of the rate phases in the journal exactly once.
  const drained = await waitFinished(sseFinished, 1);
  const journalRows = await fetchJournal(daemon);
  const verification = verifyJournal(placed, journalRows);
  const health = await daemon.json<Record<string, unknown>>('/api/health');
  const peakRssMb = mb(
    Number(
      /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${String(daemon.pid)}/status`, 'utf8'))?.[1] ??
        0,
    ) * 1024,
  );
  sse.close();
  matching = false;
  probeBase = null;
  await daemon.stop();
  return {
    label,
    empty,
    started,
    provisioned,
    provisionMs,
    provisionFailures,
    provisioning,
    peakRssMb,
    saturation,
    journal: { placed: placed.length, rows: journalRows.length, ...verification, drained },
    actionUrls: { sseActionEvents, unmatched },
    health,
  };
}

/**
 * A `--before` build copied under `node_modules/.x/` has no `package.json` with `"type":
 * "module"` above it (Node stops its lookup at `node_modules`), so Node 20 parses each of its
 * files as CommonJS first, then as ESM: ~16 MB more RSS that is not the build's (issue 19, third
 * and seventh passes). Refuse to measure that.
 */
function checkBeforeLoadsAsModule(cli: string): void {
  if (!cli.split(/[\\/]/).includes('node_modules')) return;
  const manifest = join(dirname(cli), 'package.json');
  const type = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type
    : undefined;
  if (type === 'module') return;
  console.error(
    `--before ${cli}: no package.json with "type": "module" beside it, so node would detect module syntax and the figures would not be the build's; add it: echo '{"type":"module"}' > ${manifest}`,
  );
  process.exit(2);
}

const targets: TargetReport[] = [];
if (values.before !== undefined) {
  checkBeforeLoadsAsModule(values.before);
  targets.push(await runDaemonTarget('before', values.before));
}
targets.push(await runDaemonTarget('daemon', undefined));

// The same load against a bare node:http receiver in a child process.
let bareSaturation: { eventsPerS: number | null; cpuPercent: number | null } | null = null;
if (!values['skip-bare']) {
  const bare = await startBareReceiver();
  const bareBase = `http://127.0.0.1:${String(bare.port)}`;
  await generator.call('retarget', { base: bareBase });
  const pid = bare.child.pid ?? 0;
  let bareCount = 0;
  for (const rate of RATES) {
    const phase = `${String(rate)}/s`;
    bareCount = await bare.count();
    const result = await measurePhase(
      'bare',
      pid,
      phase,
      rate,
      async () => {
        const r = await generator.call('place', { rate, seconds: SECONDS, phase: `bare ${phase}` });
        bareCount = await bare.count();
        return { calls: r.calls.length, skipped: r.skipped, calls190: 0 };
      },
      () => bareCount,
    );
    results.push(result);
    console.log(JSON.stringify({ ...result, loadAverage1m: loadavg()[0] }));
  }
  if (SATURATE_SECONDS > 0) {
    const watched = await watch(pid, () =>
      generator.call('saturate', { seconds: SATURATE_SECONDS, concurrency: 200 }),
    );
    bareSaturation = {
      eventsPerS: round1(watched.result / watched.wallS),
      cpuPercent: round1(watched.cpuPercent),
    };
  }
  bare.child.kill();
}
const firedTotals = await generator.call('close', null);

// ------------------------------------------------------------------------------ report

const bareByPhase = new Map(results.filter((r) => r.target === 'bare').map((r) => [r.phase, r]));
const table = results.map((r) => {
  const bare = r.target === 'bare' ? undefined : bareByPhase.get(r.phase);
  return {
    target: r.target,
    load: r.phase,
    calls: r.calls,
    'AU ev/s': r.eventsPerS,
    'SSE p50/p99 ms': r.sseP50Ms === null ? '–' : `${String(r.sseP50Ms)} / ${String(r.sseP99Ms)}`,
    'phone→200 p50/p99 ms': `${String(r.phoneRoundTripP50Ms)} / ${String(r.phoneRoundTripP99Ms)}`,
    '200 p99 ÷ bare':
      bare?.phoneRoundTripP99Ms == null || r.phoneRoundTripP99Ms === null
        ? '–'
        : round1(r.phoneRoundTripP99Ms / Math.max(1, bare.phoneRoundTripP99Ms)),
    'loop p50/p99/max ms':
      r.loopP99Ms === null && r.loopMaxMs === null
        ? '–'
        : `${String(r.loopP50Ms ?? '–')} / ${String(r.loopP99Ms ?? '–')} / ${String(r.loopMaxMs ?? '–')}`,
    'CPU %': r.cpuPercent,
    'peak RSS MB': r.peakRssMb,
    'health p99/max ms':
      r.healthProbeP99Ms === null
        ? '–'
        : `${String(r.healthProbeP99Ms)} / ${String(r.healthProbeMaxMs)}`,
    'log.htm per 190 call': r.logRequestsPer190Call ?? '–',
    'gen CPU %': r.generatorCpuPercent,
    'gen loop p99/max ms': `${String(r.genLoopP99Ms)} / ${String(r.genLoopMaxMs)}`,
    'meas loop p99/max ms': `${String(r.measLoopP99Ms)} / ${String(r.measLoopMaxMs)}`,
  };
});
console.table(table);
console.table(
  targets.map((t) => ({
    target: t.label,
    'start ms (0 phones / all)': `${String(t.empty.startMs)} / ${String(t.started.startMs)}`,
    'RSS MB (0 / started / provisioned / peak)': `${String(t.empty.rssMb)} / ${String(t.started.rssMb)} / ${String(t.provisioned.rssMb)} / ${String(t.peakRssMb)}`,
    'heap MB (0 / started / provisioned)': `${String(t.empty.heapUsedMb ?? '–')} / ${String(t.started.heapUsedMb ?? '–')} / ${String(t.provisioned.heapUsedMb ?? '–')}`,
    'heap KB per phone':
      t.provisioned.heapUsedMb === null || t.empty.heapUsedMb === null
        ? '–'
        : round1(((t.provisioned.heapUsedMb - t.empty.heapUsedMb) * 1024) / PHONES),
    'provision s': round1(t.provisionMs / 1000),
    'provision failed': t.provisionFailures,
    'saturation AU/s': t.saturation?.eventsPerS ?? '–',
    'sat. ÷ bare':
      t.saturation === null || bareSaturation?.eventsPerS == null
        ? '–'
        : Math.round((t.saturation.eventsPerS / bareSaturation.eventsPerS) * 100) / 100,
    lost: t.journal.lost,
    duplicated: t.journal.duplicated,
    'wrong number': t.journal.wrongNumber,
  })),
);
if (bareSaturation !== null)
  console.log(
    `bare node:http receiver at saturation: ${String(bareSaturation.eventsPerS)} Action URLs/s at ${String(bareSaturation.cpuPercent)} % CPU`,
  );
for (const t of targets) {
  console.log(
    `[${t.label}] journal check: ${String(t.journal.placed)} calls placed, ${String(t.journal.rows)} rows; lost ${String(t.journal.lost)}, duplicated ${String(t.journal.duplicated)}, wrong number ${String(t.journal.wrongNumber)}, wrong name ${String(t.journal.wrongName)}` +
      ` (360 class: ${JSON.stringify(t.journal.byClass['full'])}; 190 class: ${JSON.stringify(t.journal.byClass['parameterless'])}); SSE action-events ${String(t.actionUrls.sseActionEvents)}, unmatched ${String(t.actionUrls.unmatched)}`,
  );
  for (const example of t.journal.examples) console.log(`  ${example}`);
}
console.log(
  `Action URLs fired ${String(firedTotals.fired)}, failed ${String(firedTotals.firedFailed)}; load average at the end ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);

const out = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? '',
    node: process.version,
    loadAverageAtEnd: loadavg(),
  },
  command: `npx tsx bench/system/run.ts ${process.argv.slice(2).join(' ')}`,
  config: {
    phones: PHONES,
    rates: RATES,
    seconds: SECONDS,
    saturateSeconds: SATURATE_SECONDS,
    healthIntervalMs: HEALTH_MS,
    provisionConcurrency: PROVISION_CONCURRENCY,
  },
  phonesStartMs,
  targets,
  phases: results,
  bareSaturation,
  clockCheck: clock,
  actionUrls: { fired: firedTotals.fired, failed: firedTotals.firedFailed },
};
mkdirSync(join(here, '..', 'results'), { recursive: true });
const file = `system${PHONES === 1000 ? '' : `-${String(PHONES)}`}.json`;
writeFileSync(join(here, '..', 'results', file), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote bench/results/${file}`);
process.exit(0);
