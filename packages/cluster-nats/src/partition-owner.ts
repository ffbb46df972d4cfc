import type { ClusterLogger } from './cluster-types.js';
import {
  createPartitionProcessor,
  type PartitionProcessor,
  type PartitionProcessorOptions,
  type ProcessorCounters,
} from './partition-processor.js';

/** Options of {@link createPartitionOwner}: a processor's options without the partition. */
export interface PartitionOwnerOptions extends Omit<
  PartitionProcessorOptions,
  'partition' | 'onLost' | 'canWrite'
> {
  /** Whether this node may still write the partition (holds its lease, not fenced). */
  readonly canWrite?: (partition: number) => boolean;
  /**
   * A processor stopped because another node wrote its lines (CAS failure): the lease is
   * probably gone. The composition root decides (e.g. release the lease, or `gain` again).
   */
  readonly onLost?: (partition: number, reason: string) => void;
  /** Wait between attempts to start a processor while NATS does not answer (default 1 000 ms). */
  readonly retryMs?: number;
  readonly logger?: ClusterLogger;
}

/** The processors of every partition this node owns: wire to the leases' gained/lost. */
export interface PartitionOwner {
  /** Starts a processor for each partition not yet running (retried until it starts or is lost). */
  gain(partitions: readonly number[]): void;
  /**
   * Stops the partitions' processors. `flush: true` for a planned hand-over (before the lease is
   * released); the default `false` suits a lost or fenced lease (no late writes).
   */
  lose(partitions: readonly number[], options?: { readonly flush?: boolean }): Promise<void>;
  /** Partitions with a processor (starting or running). */
  running(): readonly number[];
  /** The processor of a partition, if running (diagnostics, tests). */
  processor(partition: number): PartitionProcessor | undefined;
  /** Sum of every running processor's counters. */
  counters(): ProcessorCounters;
  /** Stops every processor (planned: flushes by default). */
  close(options?: { readonly flush?: boolean }): Promise<void>;
}

interface Slot {
  processor: PartitionProcessor | null;
  /** Set when the partition was lost or closed: a pending start gives up. */
  cancelled: boolean;
  starting: Promise<void>;
}

/** Creates the set of owner processors. */
export function createPartitionOwner(options: PartitionOwnerOptions): PartitionOwner {
  const slots = new Map<number, Slot>();
  const { canWrite, onLost, retryMs: retry, ...processorOptions } = options;
  const retryMs = retry ?? 1_000;

  async function run(partition: number, slot: Slot): Promise<void> {
    for (let attempt = 0; !slot.cancelled; attempt++) {
      const processor = createPartitionProcessor({
        ...processorOptions,
        partition,
        ...(canWrite === undefined ? {} : { canWrite: () => canWrite(partition) }),
        onLost: (reason) => {
          if (slots.get(partition) === slot) slots.delete(partition);
          onLost?.(partition, reason);
        },
      });
      slot.processor = processor;
      try {
        await processor.start();
        return;
      } catch (error) {
        slot.processor = null;
        await processor.stop({ flush: false }).catch(() => undefined);
        if (attempt % 10 === 0) {
          options.logger?.warn(
            { partition, attempt, err: (error as Error).message },
            'cluster: partition processor did not start; retrying',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    }
  }

  async function stopSlot(partition: number, flush: boolean): Promise<void> {
    const slot = slots.get(partition);
    if (slot === undefined) return;
    slots.delete(partition);
    slot.cancelled = true;
    await slot.starting;
    await slot.processor?.stop({ flush });
  }

  return {
    gain(partitions) {
      for (const p of partitions) {
        if (slots.has(p)) continue;
        const slot: Slot = { processor: null, cancelled: false, starting: Promise.resolve() };
        slots.set(p, slot);
        slot.starting = run(p, slot);
      }
    },
    async lose(partitions, loseOptions) {
      await Promise.all(partitions.map((p) => stopSlot(p, loseOptions?.flush ?? false)));
    },
    running: () => [...slots.keys()].sort((a, b) => a - b),
    processor: (p) => slots.get(p)?.processor ?? undefined,
    counters() {
      const sum = {
        inputs: 0,
        changesPublished: 0,
        changesDuplicates: 0,
        journalPublished: 0,
        journalDuplicates: 0,
        skippedInvalid: 0,
      };
      for (const slot of slots.values()) {
        const c = slot.processor?.counters();
        if (c === undefined) continue;
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += c[k];
      }
      return sum;
    },
    async close(closeOptions) {
      await Promise.all([...slots.keys()].map((p) => stopSlot(p, closeOptions?.flush ?? true)));
    },
  };
}
