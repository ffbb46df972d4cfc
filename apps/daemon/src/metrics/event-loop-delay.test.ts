import { describe, expect, it } from 'vitest';
import { createEventLoopDelay, intervalToDelaySeconds } from './event-loop-delay.js';

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
  it('reports an idle loop as ≈ 0, not as the sampling period perf_hooks records', async () => {
    // perf_hooks alone records ≥ the period (20 ms here) for every idle tick; a loaded machine
    // makes timers a few ms late at worst, far from the 20 ms the raw histogram would show.
    const loop = createEventLoopDelay({ resolutionMs: 20 });
    await ticks(50);
    loop.take(); // forget start-up
    await ticks(400);
    const idle = loop.take();
    loop.close();
    expect(idle.count).toBeGreaterThan(5);
    expect(idle.p50).toBeGreaterThanOrEqual(0);
    expect(idle.p50).toBeLessThan(0.01);
    expect(idle.totalSeconds / idle.totalCount).toBeLessThan(0.01);
  });

  it('shows a stall as max and p99 of its window, and starts a clean window after take()', async () => {
    const loop = createEventLoopDelay({ resolutionMs: 5 });
    await ticks(50);
    loop.take(); // forget start-up
    await ticks(30);
    stall(300);
    await ticks(30);
    const stalled = loop.take();
    // The timer was due at most one period (5 ms) into the stall: it ran ≥ 295 ms late.
    expect(stalled.max).toBeGreaterThanOrEqual(0.29);
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

  it('subtracts the period from a recorded interval, clamps at 0 and maps NaN to 0', () => {
    expect(intervalToDelaySeconds(10_000_000, 10)).toBe(0);
    expect(intervalToDelaySeconds(9_100_000, 10)).toBe(0);
    expect(intervalToDelaySeconds(104_000_000, 10)).toBeCloseTo(0.094, 9);
    expect(intervalToDelaySeconds(Number.NaN, 10)).toBe(0);
  });
});
