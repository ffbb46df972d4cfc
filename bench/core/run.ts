// Core throughput: the call state machine and number normalisation, against what a fleet sends.
// Run: npx tsx bench/core/run.ts   (writes bench/results/core.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createEventHub,
  createLineModel,
  createLineState,
  normalizeNumber,
  reduceLine,
  toDialable,
  type ActionEvent,
  type DialRules,
  type LineState,
  type SnomlinkEvent,
} from '../../packages/core/src/index.js';

const PHONES = 1000;
/** The load the issue asks us to compare against: 1,000 phones, one event per second each. */
const FLEET_EVENTS_PER_SECOND = PHONES * 1;
const RULES: DialRules = {
  countryCode: '49',
  areaCode: '30',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '0',
  internalMaxLength: 4,
};

/** One answered inbound call per phone: incoming, offhook, connected, disconnected, onhook. */
function fleetEvents(round: number): ActionEvent[] {
  const events: ActionEvent[] = [];
  const kinds = ['incoming', 'offhook', 'connected', 'disconnected', 'onhook'] as const;
  for (const kind of kinds) {
    for (let p = 0; p < PHONES; p += 1) {
      const callId = `c${round}-${p}@pbx.example`;
      events.push({
        phoneId: `phone-${p}`,
        kind,
        source: 'action-url',
        receivedAt: 0,
        params: {
          callId,
          nrOngoingCalls: kind === 'disconnected' || kind === 'onhook' ? 0 : 1,
          local: `sip:${200 + (p % 800)}@pbx.example`,
          // A new caller number for every call: the normalisation cache does not help here.
          remote: `"Anna Müller" <sip:+4930${String(1_000_000 + ((round * PHONES + p) % 9_000_000))}@pbx.example;user=phone>`,
          displayRemote: 'Anna Müller',
        },
      });
    }
  }
  return events;
}

function measure(
  name: string,
  minMs: number,
  run: () => number,
): { name: string; opsPerSecond: number; ops: number; ms: number } {
  run(); // warm-up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    ops += run();
    elapsed = performance.now() - start;
  }
  return { name, opsPerSecond: (ops / elapsed) * 1000, ops, ms: elapsed };
}

let round = 0;
const pureReducer = measure('reduceLine (pure, 1,000 lines)', 1500, () => {
  const lines = new Map<string, LineState>();
  const events = fleetEvents(round++);
  let t = 1_700_000_000_000;
  for (const event of events) {
    const state = lines.get(event.phoneId) ?? createLineState(event.phoneId);
    lines.set(event.phoneId, reduceLine(state, event, (t += 1), { dialRules: RULES }).lineState);
  }
  return events.length;
});

const model = measure('createLineModel + hub (1 listener, 1 stream)', 1500, () => {
  const hub = createEventHub<SnomlinkEvent>({ bufferSize: 256 });
  let seen = 0;
  hub.subscribe(() => {
    seen += 1;
  });
  const stream = hub.stream();
  const lineModel = createLineModel({ hub, dialRules: RULES });
  const events = fleetEvents(round++);
  for (const event of events) lineModel.apply(event);
  void stream.return?.();
  return seen > 0 ? events.length : 0;
});

const samples = [
  '+49 30 1234567',
  '0301234567',
  '00301234567',
  '0049891234567',
  '01711234567',
  'sip:+4930123456@pbx.example;user=phone',
  'tel:+1-212-555-0100',
  '201',
  '**21',
  '0041446681800',
];
let serial = 0;
const normalizeCold = measure('normalizeNumber, new number each time', 1500, () => {
  for (let i = 0; i < 100; i += 1) {
    serial += 1;
    normalizeNumber(`030 ${String(2_000_000 + (serial % 7_000_000))}`, RULES);
  }
  return 100;
});
const normalizeWarm = measure('normalizeNumber, repeated numbers (cache)', 1000, () => {
  for (const s of samples) normalizeNumber(s, RULES);
  return samples.length;
});
const dialable = measure('toDialable (mixed forms, uncached)', 1000, () => {
  for (const s of samples) toDialable(s, RULES);
  return samples.length;
});

const rows = [pureReducer, model, normalizeCold, normalizeWarm, dialable].map((r) => ({
  ...r,
  marginVsFleet: r.opsPerSecond / FLEET_EVENTS_PER_SECOND,
}));

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(
  `core throughput on Node ${process.version}; fleet load = ${fmt(FLEET_EVENTS_PER_SECOND)} events/s (1,000 phones x 1 event/s)`,
);
console.log('');
console.log('| measurement | ops/s | x fleet load |');
console.log('|---|---:|---:|');
for (const r of rows)
  console.log(`| ${r.name} | ${fmt(r.opsPerSecond)} | ${fmt(r.marginVsFleet)}x |`);
console.log('');
console.log('Reducer rows: every call has a new caller number (cold normalisation cache).');
console.log(
  'Measured on a shared 2-core machine; the margin is what matters, not the absolute rate.',
);

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'core.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ node: process.version, fleetEventsPerSecond: FLEET_EVENTS_PER_SECOND, results: rows, at: new Date().toISOString() }, null, 2)}\n`,
);
console.log(`\nwrote ${out}`);
