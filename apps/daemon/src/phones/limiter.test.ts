import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.js';

/** A task that runs until `finish()` is called. */
function gate(): { promise: Promise<void>; finish: () => void } {
  let finish: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { promise, finish };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('runs at most max tasks at once, the others in arrival order as slots free', async () => {
    const limiter = createLimiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const results = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.promise;
        return i * 10;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
    gates[1]!.finish();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.finish();
    gates[2]!.finish();
    gates[3]!.finish();
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('frees the slot of a task that fails and passes the error on', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('phone down')))).rejects.toThrow(
      'phone down',
    );
    expect(await limiter.run(() => Promise.resolve('next'))).toBe('next');
    expect(limiter.active).toBe(0);
  });

  it('treats a max below 1 as 1', async () => {
    const limiter = createLimiter(0);
    const g = gate();
    const first = limiter.run(() => g.promise);
    const second = limiter.run(() => Promise.resolve());
    await flush();
    expect(limiter.active).toBe(1);
    expect(limiter.waiting).toBe(1);
    g.finish();
    await Promise.all([first, second]);
  });
});
