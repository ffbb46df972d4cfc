import { partitionOf } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { byPartition, phoneIdsOverPartitions } from './partition-spread.js';

describe('phoneIdsOverPartitions', () => {
  it('covers all 64 partitions once, in partition order, with valid unique ids', () => {
    const ids = phoneIdsOverPartitions();
    expect(ids).toHaveLength(64);
    expect(new Set(ids).size).toBe(64);
    expect(ids.map((id) => partitionOf(id))).toEqual(Array.from({ length: 64 }, (_, p) => p));
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
  });

  it('places perPartition phones in each partition and is deterministic', () => {
    const ids = phoneIdsOverPartitions({ perPartition: 3, prefix: 'p' });
    expect(ids).toHaveLength(192);
    expect(byPartition(ids).map((b) => b.length)).toEqual(Array.from({ length: 64 }, () => 3));
    expect(phoneIdsOverPartitions({ perPartition: 3, prefix: 'p' })).toEqual(ids);
    expect(partitionOf(ids[3 * 17] ?? '')).toBe(17);
  });

  it('refuses bad options', () => {
    expect(() => phoneIdsOverPartitions({ perPartition: 0 })).toThrow(RangeError);
    expect(() => phoneIdsOverPartitions({ prefix: '.x' })).toThrow(/prefix/);
    expect(phoneIdsOverPartitions({ partitions: 4 })).toHaveLength(4);
  });
});
