import { describe, expect, it } from 'vitest';
import { ownerCounts, partitionRanges, secondsAgo } from './cluster-view.js';

describe('cluster view helpers', () => {
  it('writes partitions as ranges', () => {
    expect(partitionRanges([])).toBe('');
    expect(partitionRanges([5])).toBe('5');
    expect(partitionRanges([8, 0, 1, 2, 5, 7, 2])).toBe('0–2, 5, 7–8');
  });

  it('counts owners, unowned included, largest first', () => {
    expect(ownerCounts(['a', 'b', 'a', null, 'a', 'b', null, 'c'])).toEqual([
      { nodeId: 'a', count: 3 },
      { nodeId: 'b', count: 2 },
      { nodeId: null, count: 2 },
      { nodeId: 'c', count: 1 },
    ]);
  });

  it('never shows a heartbeat from the future', () => {
    expect(secondsAgo(10_000, 12_400)).toBe(2);
    expect(secondsAgo(13_000, 12_000)).toBe(0);
  });
});
