import { CLUSTER_PARTITIONS, partitionOf } from '@snomlink/core';

/** Options of {@link phoneIdsOverPartitions}. */
export interface PartitionSpreadOptions {
  /** Phones per partition (default 1). */
  readonly perPartition?: number;
  /** Id prefix (default `desk-`); ids are `<prefix><n>`. */
  readonly prefix?: string;
  /** Partition count (default core's 64). */
  readonly partitions?: number;
}

const PHONE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Phone ids that cover every partition `perPartition` times: `<prefix>1`, `<prefix>2` … are
 * tried in turn and kept while their partition (core's `partitionOf`) still needs one. Returned
 * in partition order, so `ids[p * perPartition]` is in partition p. Pure and deterministic.
 */
export function phoneIdsOverPartitions(options: PartitionSpreadOptions = {}): string[] {
  const perPartition = options.perPartition ?? 1;
  const prefix = options.prefix ?? 'desk-';
  const partitions = options.partitions ?? CLUSTER_PARTITIONS;
  if (!Number.isInteger(perPartition) || perPartition < 1) {
    throw new RangeError(`perPartition must be a positive integer, got ${String(perPartition)}`);
  }
  if (!PHONE_ID.test(`${prefix}1`)) throw new RangeError(`bad phone id prefix "${prefix}"`);
  const buckets: string[][] = Array.from({ length: partitions }, () => []);
  let missing = partitions * perPartition;
  for (let n = 1; missing > 0; n++) {
    if (n > partitions * perPartition * 1000) throw new Error('partition spread did not converge');
    const id = `${prefix}${String(n)}`;
    const bucket = buckets[partitionOf(id, partitions)];
    if (bucket !== undefined && bucket.length < perPartition) {
      bucket.push(id);
      missing -= 1;
    }
  }
  return buckets.flat();
}

/** Groups phone ids by partition (index = partition). Pure. */
export function byPartition(
  ids: readonly string[],
  partitions: number = CLUSTER_PARTITIONS,
): string[][] {
  const out: string[][] = Array.from({ length: partitions }, () => []);
  for (const id of ids) out[partitionOf(id, partitions)]?.push(id);
  return out;
}
