// MQTT latency: hub event -> bridge.publish() -> Debian's mosquitto on loopback -> a subscriber,
// measured per call event (sequential: each waits for the previous to arrive), and a burst of
// events published at once (time until the last one arrives).
// Run: npx tsx bench/mqtt/run.ts   (writes bench/results/mqtt.json; needs /usr/sbin/mosquitto)
// Env: BENCH_CALLS (default 200), BENCH_ROUNDS (default 3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMqttBridge } from '../../packages/mqtt/src/index.js';
import {
  callState,
  hasMosquitto,
  startMosquitto,
  watchTopics,
} from '../../packages/mqtt/src/testing/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (!hasMosquitto()) {
  console.error('bench/mqtt: /usr/sbin/mosquitto is missing (bash scripts/ensure-mosquitto.sh)');
  process.exit(1);
}

const broker = await startMosquitto();
const bridge = createMqttBridge({
  url: broker.url,
  topicPrefix: 'bench',
  discoveryPrefix: false,
  lines: [{ id: 'desk-1' }],
});
const watcher = await watchTopics(broker.url, 'bench/line/desk-1/event');
while (!bridge.status().connected) await new Promise((resolve) => setTimeout(resolve, 10));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Row {
  round: number;
  p50: number;
  p99: number;
  max: number;
  burstMs: number;
}
const rows: Row[] = [];
let id = 0;
for (let round = 0; round <= ROUNDS; round += 1) {
  const latencies: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const callId = `b${(id += 1)}`;
    const arrived = watcher.next((m) => m.payload.includes(`"${callId}"`));
    const sent = performance.now();
    bridge.publish(callState({ phoneId: 'desk-1', id: callId, state: 'offering' }));
    latencies.push((await arrived).at - sent);
  }
  latencies.sort((a, b) => a - b);
  const lastId = `b${id + CALLS}`;
  const lastArrived = watcher.next((m) => m.payload.includes(`"${lastId}"`));
  const burstStart = performance.now();
  for (let i = 0; i < CALLS; i += 1) {
    bridge.publish(callState({ phoneId: 'desk-1', id: `b${(id += 1)}`, state: 'offering' }));
  }
  const burstMs = (await lastArrived).at - burstStart;
  // Round 0 is the warm-up.
  if (round > 0) {
    rows.push({
      round,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      burstMs,
    });
  }
}
await bridge.close();
await watcher.close();
await broker.dispose();

const fmt = (n: number): string => n.toFixed(2).padStart(8);
console.log(
  `cpus ${cpus().length}, load ${loadavg()[0]?.toFixed(2) ?? '?'}, ${CALLS} calls per round`,
);
console.log('round |   p50 ms |   p99 ms |   max ms | burst of ' + String(CALLS) + ' (ms to last)');
for (const r of rows) {
  console.log(
    `${String(r.round).padStart(5)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.burstMs)}`,
  );
}
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'mqtt.json'),
  JSON.stringify({ calls: CALLS, rounds: rows }, null, 2) + '\n',
);
