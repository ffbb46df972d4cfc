/** What the gate needs from the lease manager once it exists. */
export interface GateLeases {
  owns(partition: number): boolean;
  release(partition: number): Promise<void>;
}

/** Whether this node may write a partition, usable before the lease manager is assigned. */
export interface OwnershipGate {
  /** The lease callbacks: partitions gained and lost (before and after `attach`). */
  gained(partitions: readonly number[]): void;
  lost(partitions: readonly number[]): void;
  /** The lease manager, once `createLeases` resolved; runs the releases asked for before. */
  attach(leases: GateLeases): void;
  /** The processors' `canWrite`. */
  canWrite(partition: number): boolean;
  /** A processor ended as lost: hand its lease over (later, if the manager is not attached). */
  release(partition: number): void;
}

/**
 * The processors' view of ownership. `createLeases` runs its first balance (often several
 * passes on a starting daemon) before it resolves, and processors of partitions gained in the
 * first passes start writing at once. Asking the not-yet-assigned lease manager answered "not
 * held": such a processor ended as lost, its release was dropped, and the node kept a lease
 * with no processor, so the partition was owned and never processed (tests/cluster run of 3
 * December 2026: two accepted calls in no journal). Until the manager is attached, the gate
 * answers from the lease callbacks and keeps releases for later.
 */
export function createOwnershipGate(): OwnershipGate {
  const held = new Set<number>();
  const pending: number[] = [];
  let leases: GateLeases | null = null;
  return {
    gained(partitions) {
      for (const p of partitions) held.add(p);
    },
    lost(partitions) {
      for (const p of partitions) held.delete(p);
    },
    attach(manager) {
      leases = manager;
      for (const p of pending.splice(0)) void manager.release(p);
    },
    canWrite: (p) => (leases === null ? held.has(p) : leases.owns(p)),
    release(p) {
      if (leases === null) pending.push(p);
      else void leases.release(p);
    },
  };
}
