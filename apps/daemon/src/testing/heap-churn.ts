// Child process of heap-tuning.test.ts (run with `node --import tsx`): allocates like the daemon
// under load, short-lived objects plus objects that live long enough to be promoted and then
// die, and prints the largest young and old generation V8 reserved meanwhile. With the
// argument `tuned` it applies the daemon's heap settings first; with `tuned-thread` it also
// opens the journal with its writer thread halfway, once the young generation is at its cap
// (as in the daemon, where the cap is reached while its modules load).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { tuneHeap } from '../heap-tuning.js';
import { openJournalThread } from '../journal/journal-thread.js';
import type { Journal } from '../journal/journal.js';
import { sourceWriterThread } from './source-writer-thread.js';

const mode = process.argv[2];
if (mode === 'tuned' || mode === 'tuned-thread') tuneHeap({ execArgv: [], nodeOptions: undefined });
let journal: Journal | undefined;

const reserved = (name: string): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? 0;
let maxYoung = 0;
let maxOld = 0;
const ring: unknown[] = new Array<unknown>(20_000).fill(null); // ~8 MB live, replaced over and over
let recent: unknown[] = [];
for (let round = 0; round < 200; round++) {
  if (round === 100 && mode === 'tuned-thread') {
    const dir = mkdtempSync(join(tmpdir(), 'heap-churn-'));
    journal = openJournalThread({ file: join(dir, 'j.sqlite') }, { start: sourceWriterThread() });
  }
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
journal?.close();
process.stdout.write(
  `${JSON.stringify({ maxYoungMb: maxYoung / 2 ** 20, maxOldMb: maxOld / 2 ** 20 })}\n`,
);
