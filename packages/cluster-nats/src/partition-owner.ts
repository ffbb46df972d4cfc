// What this node runs for each partition it owns (processor, command serving), started when a
// lease is gained and stopped when it is lost. Keeps one running unit per partition, so a
// duplicate "gained" never starts a second processor and "lost" always waits for the stop.

/** The work of one owned partition. */
export interface OwnedWork {
  /** Stops at once; resolves when nothing of it runs any more. */
  stop(): Promise<void>;
}

/** The running units by partition. */
export interface PartitionOwner {
  /** Starts the work of each partition not running yet. */
  gained(partitions: readonly number[]): void;
  /** Stops the work of each partition; resolves when all of it stopped. */
  lost(partitions: readonly number[]): Promise<void>;
  /** Partitions with work running, ascending. */
  running(): readonly number[];
}

/** Creates the owner; `start` builds and starts the work of one partition. */
export function createPartitionOwner(start: (partition: number) => OwnedWork): PartitionOwner {
  const units = new Map<number, OwnedWork>();
  return {
    gained: (partitions) => {
      for (const p of partitions) if (!units.has(p)) units.set(p, start(p));
    },
    lost: async (partitions) => {
      const stopping: Promise<void>[] = [];
      for (const p of partitions) {
        const unit = units.get(p);
        if (unit === undefined) continue;
        units.delete(p);
        stopping.push(unit.stop());
      }
      await Promise.all(stopping);
    },
    running: () => [...units.keys()].sort((a, b) => a - b),
  };
}
