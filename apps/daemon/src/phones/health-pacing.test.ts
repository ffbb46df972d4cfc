import { describe, expect, it } from 'vitest';
import { checkSpacingMs } from './health-pacing.js';

describe('checkSpacingMs (health check pacing)', () => {
  it('spreads a steady round evenly over the interval while under the rate cap', () => {
    // 1,000 phones every 30 s = 33 checks/s, under a cap of 50/s: one every 30 ms.
    expect(checkSpacingMs({ phones: 1000, spanMs: 30_000, maxPerSecond: 50 })).toBe(30);
  });

  it('never starts checks faster than the cap: a large fleet gets a longer round', () => {
    // 10,000 phones every 30 s would be 333/s; capped at 50/s the round takes 200 s.
    const spacing = checkSpacingMs({ phones: 10_000, spanMs: 30_000, maxPerSecond: 50 });
    expect(spacing).toBe(20);
    expect((spacing * 10_000) / 1000).toBe(200);
  });

  it('runs the first round at most 5 ms apart and up to four times the cap', () => {
    // Few phones: 5 ms apart (200/s), not spread over the whole first-round span.
    expect(checkSpacingMs({ phones: 20, spanMs: 5000, maxPerSecond: 50, first: true })).toBe(5);
    // 10,000 phones in 5 s would be 0.5 ms apart (2,000/s): capped at 4 × 50/s = 200/s.
    expect(checkSpacingMs({ phones: 10_000, spanMs: 5000, maxPerSecond: 50, first: true })).toBe(5);
    // A higher cap lets the first round go faster.
    expect(checkSpacingMs({ phones: 10_000, spanMs: 5000, maxPerSecond: 500, first: true })).toBe(
      0.5,
    );
  });

  it('is 0 for an empty round', () => {
    expect(checkSpacingMs({ phones: 0, spanMs: 30_000, maxPerSecond: 50 })).toBe(0);
  });
});
