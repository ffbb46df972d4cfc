// Child process of heap-tuning.test.ts (run with `node --import tsx`): allocates like the daemon
// under load, short-lived objects plus objects that live long enough to be promoted and then
// die, and prints the largest young and old generation V8 reserved meanwhile. With the
// argument `tuned` it applies the daemon's heap settings first.
import { getHeapSpaceStatistics } from 'node:v8';
import { tuneHeap } from '../heap-tuning.js';

if (process.argv[2] === 'tuned') tuneHeap({ execArgv: [], nodeOptions: undefined });

const reserved = (name: string): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? 0;
let maxYoung = 0;
let maxOld = 0;
const ring: unknown[] = new Array<unknown>(20_000).fill(null); // ~8 MB live, replaced over and over
let recent: unknown[] = [];
for (let round = 0; round < 200; round++) {
  for (let i = 0; i < 5000; i++) {
    recent.push({ i, text: `x${String(i)}` });
    if (recent.length > 30_000) recent = [];
    ring[(round * 5000 + i) % ring.length] = { payload: `${'y'.repeat(400)}${String(i)}` };
  }
  // The settings are adjusted after collections, on the event loop: let it turn, as the daemon's does.
  await new Promise((resolve) => setImmediate(resolve));
  maxYoung = Math.max(maxYoung, reserved('new_space'));
  maxOld = Math.max(maxOld, reserved('old_space'));
}
process.stdout.write(
  `${JSON.stringify({ maxYoungMb: maxYoung / 2 ** 20, maxOldMb: maxOld / 2 ** 20 })}\n`,
);
