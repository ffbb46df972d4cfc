import { fnv1a32 } from '@snomlink/core';

// Pure decisions of the lease balancer: how many partitions this node aims for, which free ones
// it tries to claim, and how many it hands over to members below their share. No I/O, no clock.

/** What the balancer knows at one tick. */
export interface LeasePlanInput {
  readonly nodeId: string;
  /** Partition count (64). */
  readonly partitions: number;
  /** Live member ids, this node included. */
  readonly live: readonly string[];
  /** Partitions this node holds. */
  readonly owned: ReadonlySet<number>;
  /** Owner of each partition as the lease bucket shows it (null: free or expired). */
  readonly owners: readonly (string | null)[];
  /** Free partitions that have stayed free longer than the orphan grace. */
  readonly orphaned: ReadonlySet<number>;
}

/** What to do at this tick. */
export interface LeasePlan {
  readonly target: number;
  /** Free partitions to try to claim, best first. */
  readonly claim: readonly number[];
  /** Owned partitions to hand over (planned release). */
  readonly release: readonly number[];
}

/** A node's share: ceil(partitions / live members). */
export function leaseTarget(partitions: number, liveMembers: number): number {
  return Math.ceil(partitions / Math.max(1, liveMembers));
}

/**
 * Partitions in this node's preferred order: a rotation starting at a hash of its id, so nodes
 * racing for the same free partitions mostly try different ones first.
 */
export function preferredOrder(nodeId: string, partitions: number): readonly number[] {
  const start = fnv1a32(nodeId) % partitions;
  return Array.from({ length: partitions }, (_, i) => (start + i) % partitions);
}

/**
 * Plans one balancer tick: claim free partitions up to the target (orphans always), and release
 * partitions above the target only as many as live members below theirs can take beyond what is
 * already free, so a partition never bounces between nodes.
 */
export function planLeases(input: LeasePlanInput): LeasePlan {
  const { nodeId, partitions, owned, owners } = input;
  const target = leaseTarget(partitions, input.live.length);
  const order = preferredOrder(nodeId, partitions);
  const free = order.filter((p) => owners[p] === null && !owned.has(p));
  const room = Math.max(0, target - owned.size);
  const claim = [...free.slice(0, room), ...free.slice(room).filter((p) => input.orphaned.has(p))];
  const counts = new Map<string, number>();
  for (const owner of owners) {
    if (owner !== null) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  let deficit = 0;
  for (const member of input.live) {
    if (member !== nodeId) deficit += Math.max(0, target - (counts.get(member) ?? 0));
  }
  const excess = Math.max(0, owned.size - target);
  const releasable = Math.min(excess, Math.max(0, deficit - free.length));
  // Hand over the partitions furthest along this node's order (it prefers its first ones).
  const release = order.filter((p) => owned.has(p)).slice(owned.size - releasable);
  return { target, claim: releasable > 0 ? [] : claim, release: releasable > 0 ? release : [] };
}
