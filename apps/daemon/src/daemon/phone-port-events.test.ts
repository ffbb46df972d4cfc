import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPhonePortEvents } from './phone-port-events.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createPhonePortEvents', () => {
  it('counts by type and reason, warns once, then one summary per window with the count', () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const events = createPhonePortEvents({ logger: { warn }, warnEveryMs: 60_000 });
    for (let i = 0; i < 5; i++)
      events.record({ type: 'evicted', reason: 'per-source-limit', remoteAddress: '10.0.0.9' });
    events.record({ type: 'dropped', reason: 'head-timeout' });
    expect(events.counts()).toEqual([
      { type: 'evicted', reason: 'per-source-limit', count: 5 },
      { type: 'dropped', reason: 'head-timeout', count: 1 },
    ]);
    // The first of each kind at once.
    expect(warn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000);
    // The eviction window had 4 suppressed: one summary; the timeout window had none.
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[2]![0]).toMatchObject({ type: 'evicted', suppressed: 4 });
    expect(warn.mock.calls[2]![1]).toMatch(/4 more connections evicted/);
    // Still going on: the next minute is summarised again, not warned per connection.
    events.record({ type: 'evicted', reason: 'per-source-limit' });
    expect(warn).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(60_000);
    expect(warn).toHaveBeenCalledTimes(4);
    // Quiet for a window: the next one is warned at once again.
    vi.advanceTimersByTime(60_000);
    events.record({ type: 'evicted', reason: 'per-source-limit' });
    expect(warn).toHaveBeenCalledTimes(5);
    events.close();
  });
});
