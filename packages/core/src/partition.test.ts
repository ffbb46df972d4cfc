import { describe, expect, it } from 'vitest';
import { CLUSTER_PARTITIONS, fnv1a32, partitionOf } from './partition.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('partitionOf', () => {
  it('is stable and within range', () => {
    expect(partitionOf('desk-201')).toBe(fnv1a32('desk-201') % CLUSTER_PARTITIONS);
    for (let i = 0; i < 500; i++) {
      const p = partitionOf(`phone-${String(i)}`);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(CLUSTER_PARTITIONS);
    }
  });

  it('spreads sequential phone ids over every partition', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(partitionOf(`desk-${String(i)}`));
    expect(seen.size).toBe(CLUSTER_PARTITIONS);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('a', 0)).toThrow(RangeError);
    expect(() => partitionOf('a', 1.5)).toThrow(/positive integer/);
  });
});
