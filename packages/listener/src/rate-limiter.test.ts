import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.js';

describe('createRateLimiter', () => {
  it('allows a burst, then refills at perSecond', () => {
    let t = 0;
    const limiter = createRateLimiter({ perSecond: 10, burst: 5 }, () => t);
    const taken = Array.from({ length: 7 }, () => limiter.take('a'));
    expect(taken).toEqual([true, true, true, true, true, false, false]);
    t += 100; // one token
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    t += 10_000; // capped at burst
    expect(Array.from({ length: 6 }, () => limiter.take('a')).filter(Boolean)).toHaveLength(5);
  });

  it('keeps memory bounded under many sources', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, () => 0, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${String(i >> 8)}.${String(i & 255)}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
