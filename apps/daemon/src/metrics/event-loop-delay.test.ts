import { describe, expect, it } from 'vitest';
import { createEventLoopDelay } from './event-loop-delay.js';

/** Blocks the event loop for `ms` (a synchronous stall like a large GC or a sync write). */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const ticks = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

describe('event loop delay', () => {
  it('shows a stall as max and p99 of its window, and starts a clean window after take()', async () => {
    const loop = createEventLoopDelay({ resolutionMs: 5 });
    await ticks(50);
    loop.take(); // forget start-up
    await ticks(30);
    stall(300);
    await ticks(30);
    const stalled = loop.take();
    expect(stalled.max).toBeGreaterThanOrEqual(0.25);
    expect(stalled.p99).toBeGreaterThanOrEqual(0.25);
    expect(stalled.p50).toBeLessThan(stalled.max);
    expect(stalled.count).toBeGreaterThan(0);

    await ticks(60);
    const quiet = loop.take();
    expect(quiet.max).toBeLessThan(stalled.max);
    // _count and _sum are cumulative (a Prometheus summary's), the quantiles are per window.
    expect(quiet.totalCount).toBe(stalled.totalCount + quiet.count);
    expect(quiet.totalSeconds).toBeGreaterThanOrEqual(stalled.totalSeconds);
    loop.close();
  });
});
