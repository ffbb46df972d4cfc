// The system bench's load generator: a process of its own (forked by run.ts through
// generator-client.ts) that hosts the simulated phones and places the calls. It is apart from
// the measuring process so that neither's work delays the other's timestamps: the SSE reader's
// parsing no longer stalls the phones, and the phones' work no longer delays the reader's
// receive stamps. Both stamp on clock.ts's machine-wide clock. Answers generator-protocol.ts's
// requests; streams the Action URLs that got their 200 for latency pairing.
import { clockMs } from './clock.js';
import type {
  FiredEvent,
  GeneratorMessage,
  GeneratorMethods,
  GeneratorRequest,
} from './generator-protocol.js';
import { clearPhoneLogs, placeCalls, retarget, saturate, startPhones } from './load.js';
import type { BenchPhone } from './load.js';
import { watchLoopDelay } from './loop-delay.js';

const send = (message: GeneratorMessage): void => {
  process.send?.(message);
};

const totals = { fired: 0, firedFailed: 0, logReads: 0, logClears: 0 };
let roundTrips: number[] = [];
let phones: BenchPhone[] = [];
/** Off during saturation: nobody reads SSE then, and 2,000 events/s would cost the generator. */
let forwarding = true;
let pending: FiredEvent[] = [];
let flushTimer: NodeJS.Timeout | null = null;

function flushFired(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  if (pending.length === 0) return;
  send({ fired: pending });
  pending = [];
}

let phaseMark: {
  totals: typeof totals;
  cpu: NodeJS.CpuUsage;
  t0: number;
  loop: ReturnType<typeof watchLoopDelay>;
} | null = null;

const handlers: {
  [M in keyof GeneratorMethods]: (
    args: GeneratorMethods[M]['args'],
  ) => Promise<GeneratorMethods[M]['result']> | GeneratorMethods[M]['result'];
} = {
  async start({ phones: count }) {
    const t0 = performance.now();
    phones = await startPhones(
      count,
      (entry, fired) => {
        if (fired.error !== null) {
          totals.firedFailed++;
          return;
        }
        totals.fired++;
        roundTrips.push(clockMs() - fired.at);
        if (!forwarding) return;
        pending.push({
          phoneId: entry.id,
          cls: entry.cls,
          kind: fired.kind,
          callId: fired.callId,
          at: fired.at,
        });
        // Batched: one IPC message per 20 ms, not per event; the stamps are already taken.
        flushTimer ??= setTimeout(flushFired, 20);
      },
      (path, query) => {
        if (path !== '/log.htm') return;
        if (query.includes('clear_log')) totals.logClears++;
        else totals.logReads++;
      },
    );
    return { entries: phones.map((p) => p.entry), startMs: Math.round(performance.now() - t0) };
  },
  clock: () => clockMs(),
  async clearLogs() {
    await clearPhoneLogs(phones);
    return null;
  },
  phaseBegin() {
    roundTrips = [];
    phaseMark = {
      totals: { ...totals },
      cpu: process.cpuUsage(),
      t0: performance.now(),
      loop: watchLoopDelay(),
    };
    return null;
  },
  phaseEnd() {
    if (phaseMark === null) throw new Error('phaseEnd without phaseBegin');
    const { totals: t, cpu, t0, loop } = phaseMark;
    phaseMark = null;
    const used = process.cpuUsage(cpu);
    const wallS = (performance.now() - t0) / 1000;
    const trips = roundTrips;
    roundTrips = [];
    return {
      roundTrips: trips,
      fired: totals.fired - t.fired,
      firedFailed: totals.firedFailed - t.firedFailed,
      logReads: totals.logReads - t.logReads,
      logClears: totals.logClears - t.logClears,
      loop: loop.stop(),
      cpuPercent: Math.round(((used.user + used.system) / 1e6 / wallS) * 1000) / 10,
    };
  },
  async place({ rate, seconds, phase }) {
    const result = await placeCalls(phones, rate, seconds, phase);
    flushFired(); // the events before the answer: IPC keeps the order
    return result;
  },
  async saturate({ seconds, concurrency }) {
    const before = totals.fired;
    forwarding = false;
    try {
      await saturate(phones, seconds, concurrency);
    } finally {
      forwarding = true;
    }
    return totals.fired - before;
  },
  retarget({ base }) {
    retarget(phones, base);
    return null;
  },
  async close() {
    flushFired();
    await Promise.all(phones.map((p) => p.phone.close()));
    setImmediate(() => {
      process.disconnect();
    });
    return { fired: totals.fired, firedFailed: totals.firedFailed };
  },
};

process.on('message', (request: GeneratorRequest) => {
  const handler = handlers[request.method] as (args: unknown) => unknown;
  Promise.resolve()
    .then(() => handler(request.args))
    .then(
      (result) => {
        send({ id: request.id, result });
      },
      (error: unknown) => {
        send({
          id: request.id,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      },
    );
});
