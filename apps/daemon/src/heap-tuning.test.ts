import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tuneHeap } from './heap-tuning.js';

const run = promisify(execFile);
const CHURN = fileURLToPath(new URL('./testing/heap-churn.ts', import.meta.url));

/** Runs the churn in a fresh node (the settings are process-wide), tuned or with V8's defaults. */
async function churn(
  mode: 'tuned' | 'tuned-thread' | 'plain',
): Promise<{ maxYoungMb: number; maxOldMb: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHURN, mode], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { maxYoungMb: number; maxOldMb: number };
}

describe('tuneHeap (issue 19: RSS)', () => {
  it('keeps the young generation at 8 MB and the old one near its live size under churn', async () => {
    const [plain, tuned] = await Promise.all([churn('plain'), churn('tuned')]);
    // V8's defaults on this kind of load: 32 MB young, old 47–58 MB for ~10 MB live; tuned
    // 8 MB and 27–31 MB.
    const seen = JSON.stringify({ plain, tuned });
    expect(plain.maxYoungMb, seen).toBeGreaterThan(8);
    expect(tuned.maxYoungMb, seen).toBeLessThanOrEqual(8);
    expect(tuned.maxOldMb, seen).toBeLessThan(plain.maxOldMb * 0.75);
  });

  it('keeps the young generation at 8 MB after a worker thread started (the journal writer)', async () => {
    // V8 sets the growth factor back to 2 when it creates the worker's isolate: without
    // reapplyHeapTuning the young generation grew to 32 MB here (and in the daemon).
    const tuned = await churn('tuned-thread');
    expect(tuned.maxYoungMb, JSON.stringify(tuned)).toBeLessThanOrEqual(8);
  });

  it('leaves a setting alone when node was started with a flag for it', () => {
    const heap = tuneHeap({
      execArgv: ['--max-semi-space-size=16'],
      nodeOptions: '--require x.cjs --heap_growing_percent=0',
    });
    heap.stop();
    expect(heap).toMatchObject({ heapGrowingPercent: null, maxSemiSpaceMb: null });
  });
});
