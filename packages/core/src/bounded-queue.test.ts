import { describe, expect, it } from 'vitest';
import { createBoundedQueue } from './bounded-queue.js';

describe('createBoundedQueue', () => {
  it('is first in, first out while under capacity', () => {
    const q = createBoundedQueue<number>(3);
    expect([q.push(1), q.push(2)]).toEqual([false, false]);
    expect(q.size).toBe(2);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([1, 2, undefined]);
    expect(q.size).toBe(0);
  });

  it('drops the oldest when full, says so, and keeps the newest in order across wrap-around', () => {
    const q = createBoundedQueue<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((n) => q.push(n));
    expect(dropped).toEqual([false, false, false, true, true]);
    expect(q.size).toBe(3);
    expect(q.shift()).toBe(3);
    q.push(6);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([4, 5, 6, undefined]);
  });

  it('clear() empties it and it works again after', () => {
    const q = createBoundedQueue<string>(2);
    q.push('a');
    q.push('b');
    q.clear();
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push('c');
    expect(q.shift()).toBe('c');
  });

  it('refuses a capacity that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => createBoundedQueue(bad)).toThrow(RangeError);
  });
});
