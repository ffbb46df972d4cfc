import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const fixed = (r: number) => () => r;

describe('backoffDelay', () => {
  it('doubles from baseMs up to maxMs without jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5, 10, 100, 5000].map((attempt) =>
      backoffDelay(attempt, { baseMs: 1000, maxMs: 10_000, jitter: 'none' }),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000]);
  });

  it('full jitter draws from [0, cap]', () => {
    const options = { baseMs: 100, maxMs: 1000, jitter: 'full' } as const;
    expect(backoffDelay(2, { ...options, random: fixed(0) })).toBe(0);
    expect(backoffDelay(2, { ...options, random: fixed(0.5) })).toBe(200);
    expect(backoffDelay(2, { ...options, random: fixed(0.999) })).toBeCloseTo(399.6);
  });

  it('equal jitter (the default) draws from [cap/2, cap]', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, random: fixed(0) })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, random: fixed(0.5) })).toBe(300);
    expect(backoffDelay(9, { baseMs: 100, maxMs: 1000, random: fixed(1) })).toBe(1000);
  });

  it('treats a negative, fractional or non-finite attempt as a valid one', () => {
    const options = { baseMs: 100, maxMs: 1000, jitter: 'none' } as const;
    expect(backoffDelay(-3, options)).toBe(100);
    expect(backoffDelay(Number.NaN, options)).toBe(100);
    expect(backoffDelay(1.9, options)).toBe(200);
    expect(backoffDelay(Number.POSITIVE_INFINITY, options)).toBe(100);
  });

  it('clamps a misbehaving random source into [0, 1]', () => {
    const options = { baseMs: 100, maxMs: 1000, jitter: 'full' } as const;
    expect(backoffDelay(0, { ...options, random: fixed(-5) })).toBe(0);
    expect(backoffDelay(0, { ...options, random: fixed(7) })).toBe(100);
    expect(backoffDelay(0, { ...options, random: fixed(Number.NaN) })).toBe(50);
  });

  it('rejects an invalid base or cap with a clear message', () => {
    expect(() => backoffDelay(0, { baseMs: -1, maxMs: 10 })).toThrow(/baseMs must be/);
    expect(() => backoffDelay(0, { baseMs: 1, maxMs: Number.NaN })).toThrow(/maxMs must be/);
  });

  it('stays within [0, maxMs] and, with equal jitter, at least half the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 2000 }),
        fc.nat({ max: 100_000 }),
        fc.nat({ max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('full' as const, 'equal' as const, 'none' as const),
        (attempt, baseMs, maxMs, r, jitter) => {
          const delay = backoffDelay(attempt, { baseMs, maxMs, jitter, random: () => r });
          const cap = Math.min(maxMs, baseMs * 2 ** Math.min(31, Math.max(0, attempt)));
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap);
          if (jitter === 'equal') expect(delay).toBeGreaterThanOrEqual(cap / 2);
          if (jitter === 'none') expect(delay).toBe(cap);
        },
      ),
    );
  });
});
