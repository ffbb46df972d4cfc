// bench/log-scanner: parse throughput; Action URL → enriched event latency (event-driven scanner
// vs blind 1.5 s polling); phone HTTP requests per call. Run: npx tsx bench/log-scanner/run.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ActionEvent } from '../../packages/core/src/index.js';
import {
  createLogScanner,
  inferCallEvents,
  parseLog,
  type LogScanner,
  type ScannerTimers,
} from '../../packages/log-scanner/src/index.js';
import {
  createFakeLogClient,
  createFakeLogPhone,
  formatSipLogEntry,
  scenarioMessages,
  scenarioPhases,
  wrapLogHtml,
} from '../../packages/log-scanner/src/testing/index.js';
import { createSnomClient } from '../../packages/snom-client/src/index.js';
import { createSimulatedPhone } from '../../packages/snom-simulator/src/index.js';

const CALLS = 200;
const POLL_MS = 1500;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
const sortNum = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const r1 = (x: number): number => Math.round(x * 10) / 10;

// ---------------------------------------------------------------- 1. parse throughput
function buildLog(targetChars: number): string {
  let text = '';
  let i = 0;
  while (text.length < targetChars) {
    const msgs = scenarioMessages({
      callId: `bench-${i}@pbx.example`,
      direction: i % 2 === 0 ? 'incoming' : 'outgoing',
      remote: `+49301234${String(i % 1000).padStart(3, '0')}`,
      display: i % 3 === 0 ? 'Anna Müller' : 'Jörg & Söhne',
      outcome: i % 5 === 0 ? 'missed' : 'answered',
    });
    text += msgs.map((m) => formatSipLogEntry(m)).join('');
    text += `[5]26/11/2026 23:41:02.131 PHN: Ringing line 1\n`;
    i += 1;
  }
  return text.slice(text.length - targetChars);
}

function throughput(text: string, minMs = 1500): { mbPerS: number; mbPerSWithInfer: number } {
  const bytes = Buffer.byteLength(text, 'utf8');
  const run = (withInfer: boolean): number => {
    let n = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      const parsed = parseLog(text);
      if (withInfer) inferCallEvents(parsed.records, undefined, { phoneId: 'p', now: 0 });
      n += 1;
      elapsed = performance.now() - t0;
    }
    return (bytes * n) / (elapsed / 1000) / 1e6;
  };
  run(false); // warm up
  return { mbPerS: run(false), mbPerSWithInfer: run(true) };
}

// ---------------------------------------------------------------- 2. latency on real sockets
interface LatencyResult {
  readonly samples: number[];
  readonly readMs: number[];
  readonly requestsPerCall: number;
}

async function startReceiver(
  onUrl: (phoneId: string, kind: ActionEvent['kind'], at: number) => void,
): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const at = performance.now();
    const m = /^\/snom\/([^/?]+)\/([a-z-]+)/.exec(req.url ?? '');
    res.writeHead(m ? 200 : 404).end();
    if (m?.[1] && m[2]) onUrl(m[1], m[2] as ActionEvent['kind'], at);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function waitUntil(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = (): void => {
      if (pred()) resolve();
      else if (Date.now() - t0 > timeoutMs) reject(new Error('bench: timed out waiting'));
      else setTimeout(check, 1);
    };
    check();
  });
}

async function latencyAgainstSimulator(): Promise<LatencyResult> {
  let scanner: LogScanner | null = null;
  let urlAt = 0;
  const samples: number[] = [];
  const readMs: number[] = [];
  const events: ActionEvent[] = [];
  const receiver = await startReceiver((phoneId, kind, at) => {
    if (kind === 'incoming') urlAt = at;
    scanner?.notify({ phoneId, kind, source: 'action-url', receivedAt: Date.now(), params: {} });
  });
  const kinds = ['incoming', 'outgoing', 'offhook', 'onhook'] as const;
  const phone = createSimulatedPhone({
    model: 'snom190',
    settings: Object.fromEntries(
      kinds.map((k) => [`action_${k}_url`, `${receiver.base}/snom/p190/${k}?k=secret`]),
    ),
  });
  const address = await phone.listen({ host: '127.0.0.1' });
  const snom = createSnomClient({ host: `${address.host}:${String(address.port)}` });
  const client = {
    readLog: async (): Promise<string> => {
      const t0 = performance.now();
      const text = await snom.readLog();
      readMs.push(performance.now() - t0);
      return text;
    },
    clearLog: () => snom.clearLog(),
  };
  scanner = createLogScanner({
    phoneId: 'p190',
    client,
    onEvent: (e) => {
      if (e.kind === 'incoming') samples.push(performance.now() - urlAt);
      events.push(e);
    },
  });
  const before = phone.requests.length;
  for (let i = 0; i < CALLS; i += 1) {
    const n = events.length;
    await phone.ring(`+4930555${String(i).padStart(4, '0')}`, { display: `Caller ${String(i)}` });
    await waitUntil(() => events.length > n);
    await phone.answer();
    await waitUntil(() => events.length > n + 1);
    await phone.hangUp();
    await waitUntil(() => events.length > n + 2 && !scanner.live);
    await waitUntil(() => phone.logText === '');
  }
  const requests = phone.requests.length - before;
  await scanner.stop();
  await phone.close();
  await receiver.close();
  return { samples, readMs, requestsPerCall: requests / CALLS };
}

/** Same, against the package's fake phone whose log shows the call `lagMs` after the URL. */
async function latencyWithLoggingLag(lagMs: number, calls: number): Promise<number[]> {
  let scanner: LogScanner | null = null;
  let urlAt = 0;
  const samples: number[] = [];
  let ended = 0;
  const receiver = await startReceiver((phoneId, kind, at) => {
    if (kind === 'incoming') urlAt = at;
    scanner?.notify({ phoneId, kind, source: 'action-url', receivedAt: Date.now(), params: {} });
  });
  const kinds = ['incoming', 'outgoing', 'offhook', 'onhook'] as const;
  const phone = createFakeLogPhone({
    logLagMs: lagMs,
    actionUrls: Object.fromEntries(kinds.map((k) => [k, `${receiver.base}/snom/pf/${k}`])),
  });
  const address = await phone.listen();
  scanner = createLogScanner({
    phoneId: 'pf',
    client: createFakeLogClient(address.url),
    onEvent: (e) => {
      if (e.kind === 'incoming') samples.push(performance.now() - urlAt);
      if (e.kind === 'disconnected') ended += 1;
    },
  });
  for (let i = 0; i < calls; i += 1) {
    const n = samples.length;
    await phone.ring({ callId: `lag-${String(i)}`, remote: `+4940${String(i)}` });
    await waitUntil(() => samples.length > n);
    await phone.answer();
    await phone.hangUp();
    await waitUntil(() => ended > i && !scanner.live);
  }
  await scanner.stop();
  await phone.close();
  await receiver.close();
  return samples;
}

/**
 * Blind polling, simulated: the poller's phase is uniform over the 1.5 s period and unrelated to
 * the call; the caller is known at the first poll after the log shows the call, plus one read.
 */
function simulateBlindPolling(lagMs: number, readMs: number, n = 100_000): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const phase = Math.random() * POLL_MS;
    const firstPoll =
      phase >= lagMs ? phase : phase + Math.ceil((lagMs - phase) / POLL_MS) * POLL_MS;
    out.push(firstPoll + readMs);
  }
  return out;
}

// ---------------------------------------------------------------- 3. requests per 60 s call
/** A virtual clock driving the scanner's timers, so a 65 s call takes milliseconds. */
function virtualTime(): {
  timers: ScannerTimers;
  now: () => number;
  advance: (ms: number) => Promise<void>;
} {
  let now = 0;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
  };
  return {
    now: () => now,
    timers: {
      setTimeout: (fn, ms) => {
        seq += 1;
        queue.set(seq, { at: now + ms, fn });
        return seq;
      },
      clearTimeout: (h) => {
        queue.delete(h as number);
      },
    },
    async advance(ms) {
      const end = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | null = null;
        for (const entry of queue)
          if (entry[1].at <= end && (next === null || entry[1].at < next[1].at)) next = entry;
        if (next === null) break;
        queue.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = end;
    },
  };
}

async function requestsFor60sCall(
  connectedIntervalMs?: number,
): Promise<{ reads: number; clears: number; idleHour: number }> {
  const vt = virtualTime();
  let text = '';
  const counts = { reads: 0, clears: 0 };
  const client = {
    readLog: (): Promise<string> => {
      counts.reads += 1;
      return Promise.resolve(wrapLogHtml(text));
    },
    clearLog: (): Promise<void> => {
      counts.clears += 1;
      text = '';
      return Promise.resolve();
    },
  };
  const scanner = createLogScanner({
    phoneId: 'v',
    client,
    onEvent: () => undefined,
    timers: vt.timers,
    now: vt.now,
    ...(connectedIntervalMs === undefined ? {} : { connectedIntervalMs }),
  });
  const notify = (kind: ActionEvent['kind']): void => {
    scanner.notify({ phoneId: 'v', kind, source: 'action-url', receivedAt: vt.now(), params: {} });
  };
  const [ring, answer, end] = scenarioPhases({
    callId: 'v1',
    direction: 'incoming',
    remote: '+4930123456',
    outcome: 'answered',
  });
  const write = (msgs: typeof ring): void => {
    text += (msgs ?? []).map((m) => formatSipLogEntry(m)).join('');
  };
  write(ring);
  notify('incoming');
  await vt.advance(5000); // rings 5 s
  write(answer);
  notify('offhook');
  await vt.advance(60_000); // 60 s conversation
  write(end);
  notify('onhook');
  await vt.advance(5000);
  const perCall = { ...counts };
  await vt.advance(3_600_000); // an idle hour afterwards
  const idleHour = counts.reads + counts.clears - perCall.reads - perCall.clears;
  await scanner.stop();
  return { reads: perCall.reads, clears: perCall.clears, idleHour };
}

// ---------------------------------------------------------------- main
const small = wrapLogHtml(buildLog(64 * 1024));
const large = buildLog(4 * 1024 * 1024);
const tpSmall = throughput(small);
const tpLarge = throughput(large);

const sim = await latencyAgainstSimulator();
const ours = sortNum(sim.samples);
const readMedian = quantile(sortNum(sim.readMs), 0.5);
const blind = sortNum(simulateBlindPolling(0, readMedian));
const LAG = 250;
const lagged = sortNum(await latencyWithLoggingLag(LAG, 50));
const blindLagged = sortNum(simulateBlindPolling(LAG, readMedian));
const req = await requestsFor60sCall();
const reqSlow = await requestsFor60sCall(5000);
const blindReads60 = Math.ceil(65_000 / POLL_MS);

const table = [
  [
    'parse, 64 KiB HTML log page',
    `${r1(tpSmall.mbPerS)} MB/s`,
    `parse+infer ${r1(tpSmall.mbPerSWithInfer)} MB/s`,
  ],
  [
    'parse, 4 MiB plain log',
    `${r1(tpLarge.mbPerS)} MB/s`,
    `parse+infer ${r1(tpLarge.mbPerSWithInfer)} MB/s`,
  ],
  [
    `incoming URL → caller, event-driven (simulator, ${String(CALLS)} calls, measured)`,
    `median ${r1(quantile(ours, 0.5))} ms`,
    `p95 ${r1(quantile(ours, 0.95))} ms`,
  ],
  [
    'incoming URL → caller, blind 1.5 s polling (SIMULATED phase + measured read time)',
    `median ${r1(quantile(blind, 0.5))} ms`,
    `p95 ${r1(quantile(blind, 0.95))} ms`,
  ],
  [
    `  ratio blind / event-driven (median)`,
    `${r1(quantile(blind, 0.5) / quantile(ours, 0.5))}x`,
    '',
  ],
  [
    `incoming URL → caller, log lags ${String(LAG)} ms (fake phone, 50 calls, measured)`,
    `median ${r1(quantile(lagged, 0.5))} ms`,
    `p95 ${r1(quantile(lagged, 0.95))} ms`,
  ],
  [
    `incoming URL → caller, log lags ${String(LAG)} ms, blind 1.5 s polling (SIMULATED)`,
    `median ${r1(quantile(blindLagged, 0.5))} ms`,
    `p95 ${r1(quantile(blindLagged, 0.95))} ms`,
  ],
  [
    'phone HTTP requests, whole call on the simulator (measured)',
    `${r1(sim.requestsPerCall)} / call`,
    'ring → answer → hang up, reads + clear',
  ],
  [
    'phone HTTP requests, 5 s ring + 60 s call (virtual clock)',
    `${String(req.reads + req.clears)} (${String(req.reads)} reads + ${String(req.clears)} clear)`,
    `blind 1.5 s polling: ${String(blindReads60)}`,
  ],
  [
    '  same, connectedIntervalMs 5000 (virtual clock)',
    `${String(reqSlow.reads + reqSlow.clears)} (${String(reqSlow.reads)} reads + ${String(reqSlow.clears)} clear)`,
    `blind 1.5 s polling: ${String(blindReads60)}`,
  ],
  [
    'phone HTTP requests per idle hour',
    String(req.idleHour),
    `blind 1.5 s polling: ${String(3_600_000 / POLL_MS)}`,
  ],
];
const w0 = Math.max(...table.map((r) => r[0]!.length));
const w1 = Math.max(...table.map((r) => r[1]!.length));
console.log(`${'measure'.padEnd(w0)} | ${'value'.padEnd(w1)} | note`);
console.log(`${'-'.repeat(w0)}-|-${'-'.repeat(w1)}-|-----`);
for (const [a, b, c] of table) console.log(`${a!.padEnd(w0)} | ${b!.padEnd(w1)} | ${c!}`);

const result = {
  name: 'log-scanner',
  node: process.version,
  parse: {
    html64KiB: { mbPerS: r1(tpSmall.mbPerS), withInferMbPerS: r1(tpSmall.mbPerSWithInfer) },
    plain4MiB: { mbPerS: r1(tpLarge.mbPerS), withInferMbPerS: r1(tpLarge.mbPerSWithInfer) },
  },
  latencyMs: {
    eventDriven: {
      source: 'measured, snom190 simulator on 127.0.0.1 via snom-client',
      calls: ours.length,
      median: r1(quantile(ours, 0.5)),
      p95: r1(quantile(ours, 0.95)),
    },
    blindPolling1500: {
      source: 'simulated: uniform poll phase + measured median read time',
      readMs: r1(readMedian),
      median: r1(quantile(blind, 0.5)),
      p95: r1(quantile(blind, 0.95)),
    },
    eventDrivenLogLag250: {
      source: 'measured, fake phone whose log lags the Action URL by 250 ms',
      calls: lagged.length,
      median: r1(quantile(lagged, 0.5)),
      p95: r1(quantile(lagged, 0.95)),
    },
    blindPolling1500LogLag250: {
      source: 'simulated',
      median: r1(quantile(blindLagged, 0.5)),
      p95: r1(quantile(blindLagged, 0.95)),
    },
  },
  requests: {
    perCallOnSimulator: r1(sim.requestsPerCall),
    call65s: {
      ours: req.reads + req.clears,
      reads: req.reads,
      clears: req.clears,
      blindPolling1500: blindReads60,
    },
    call65sConnectedInterval5000: {
      ours: reqSlow.reads + reqSlow.clears,
      reads: reqSlow.reads,
      clears: reqSlow.clears,
    },
    idleHour: { ours: req.idleHour, blindPolling1500: 3_600_000 / POLL_MS },
  },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/log-scanner.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
