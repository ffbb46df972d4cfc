/** How many partitions a cluster splits its phones into; fixed for a cluster's lifetime. */
export const CLUSTER_PARTITIONS = 64;

/**
 * FNV-1a, 32 bits, over the UTF-16 code units of `text` (phone ids are ASCII). Small, fast and
 * the same in every runtime, which is all a partition function needs: it is not a secret hash.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The partition of a phone in cluster mode: `fnv1a32(phoneId) % count`. Every daemon computes the
 * same value, so the owner of a phone's events, commands and log scans follows from its id alone.
 */
export function partitionOf(phoneId: string, count: number = CLUSTER_PARTITIONS): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${String(count)}`);
  }
  return fnv1a32(phoneId) % count;
}
