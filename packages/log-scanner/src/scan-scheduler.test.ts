import { describe, expect, it } from 'vitest';
import { isScanCancelledError } from './errors.js';
import { createScanScheduler } from './scan-scheduler.js';

function deferred<T = undefined>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createScanScheduler', () => {
  it('runs at most `concurrency` tasks at once and queues the rest', async () => {
    const s = createScanScheduler({ concurrency: 2 });
    const gates = Array.from({ length: 5 }, () => deferred<number>());
    const started: number[] = [];
    const results = gates.map((g, i) =>
      s.run(() => {
        started.push(i);
        return g.promise;
      }),
    );
    expect(started).toEqual([0, 1]);
    expect(s.active).toBe(2);
    expect(s.queued).toBe(3);
    gates[0]!.resolve(0);
    await results[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const [i, g] of gates.entries()) g.resolve(i);
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(s.peakActive).toBe(2);
    expect(s.active).toBe(0);
  });

  it('runs high-priority tasks before queued normal ones', async () => {
    const s = createScanScheduler({ concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const first = s.run(() => gate.promise);
    const polls = [1, 2].map((i) => s.run(() => Promise.resolve(order.push(`poll${i}`))));
    const event = s.run(() => Promise.resolve(order.push('event')), { priority: 'high' });
    gate.resolve(undefined);
    await Promise.all([first, ...polls, event]);
    expect(order).toEqual(['event', 'poll1', 'poll2']);
  });

  it('a failing task frees its slot and rejects only its own promise', async () => {
    const s = createScanScheduler({ concurrency: 1 });
    const bad = s.run(() => Promise.reject(new Error('phone down')));
    const good = s.run(() => Promise.resolve('ok'));
    await expect(bad).rejects.toThrow('phone down');
    await expect(good).resolves.toBe('ok');
  });

  it('close() cancels queued tasks with ScanCancelledError', async () => {
    const s = createScanScheduler({ concurrency: 1 });
    const gate = deferred();
    const running = s.run(() => gate.promise);
    const queued = s.run(() => Promise.resolve());
    s.close();
    const error: unknown = await queued.catch((e: unknown) => e);
    expect(isScanCancelledError(error)).toBe(true);
    gate.resolve(undefined);
    await running;
    await expect(s.run(() => Promise.resolve())).rejects.toThrow(/closed/);
  });
});
