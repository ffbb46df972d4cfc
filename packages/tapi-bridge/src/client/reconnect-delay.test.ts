import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './reconnect-delay.js';

describe('reconnectDelay', () => {
  it('doubles from the base up to the cap, within the upper half of each step', () => {
    expect(reconnectDelay(0, 500, 10_000, () => 0)).toBe(250);
    expect(reconnectDelay(0, 500, 10_000, () => 1)).toBe(500);
    expect(reconnectDelay(3, 500, 10_000, () => 1)).toBe(4000);
    expect(reconnectDelay(10, 500, 10_000, () => 0)).toBe(5000);
    expect(reconnectDelay(1000, 500, 10_000, () => 1)).toBe(10_000);
  });

  it('spreads clients out: attempts with Math.random differ', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(4, 500, 10_000)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('is core backoffDelay: a negative attempt counts as the first, a bad random draw stays in range, a bad base is refused', () => {
    expect(reconnectDelay(-1, 500, 10_000, () => 1)).toBe(500);
    expect(reconnectDelay(2, 500, 10_000, () => Number.NaN)).toBe(1500);
    expect(reconnectDelay(2, 500, 10_000, () => 7)).toBe(2000);
    expect(() => reconnectDelay(0, Number.NaN, 10_000)).toThrow(RangeError);
  });
});
