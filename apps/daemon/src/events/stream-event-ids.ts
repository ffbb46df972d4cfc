// The SSE ids of cluster mode (docs/cluster.md "SSE ids"). Every daemon applies the same CHANGES
// records in the same order, so an id built from a record's stream sequence names the same
// event on every daemon, and a reader can resume on any of them with `Last-Event-ID`.

/** Ids per CHANGES sequence: id = sequence × 10 000 + slot. */
export const IDS_PER_SEQ = 10_000;
/**
 * Slots 0–99 are the record's own events, in the order the record lists them (its call changes,
 * presence changes, then line status); slots from 100 on are events this daemon made itself after
 * that record (raw phone events it received), which no other daemon has.
 */
export const LOCAL_SLOTS_FROM = 100;

/** The SSE id of the event in `slot` after CHANGES record `seq`. */
export function streamEventId(seq: number, slot: number): number {
  return seq * IDS_PER_SEQ + slot;
}

/** The CHANGES sequence an SSE id of cluster mode belongs to. */
export function seqOfEventId(id: number): number {
  return Math.floor(id / IDS_PER_SEQ);
}

/** The highest id of a sequence (every event of the record and after it). */
export function lastIdOfSeq(seq: number): number {
  return streamEventId(seq, IDS_PER_SEQ - 1);
}

/** Where the daemon's read view stands in CHANGES (NatsCluster.changesPosition). */
export interface StreamPosition {
  /** Every record after this sequence reaches the daemon live; earlier ones may not have. */
  readonly liveAfter: number;
  /** The stream's last sequence as last seen. */
  readonly known: number;
}

/** Numbers the SSE events of a cluster daemon (see {@link createStreamEventIds}). */
export interface StreamEventIds {
  /** The id of the next event the buffer stores. */
  next(): number;
  /** Runs `publish`; the events it stores are record `seq`'s, numbered from slot 0. */
  inRecord(seq: number, publish: () => void): void;
  /** Ids up to this one may be missing here (before the read view went live). */
  liveAfterId(): number;
  /** No reader can hold an id above this one (the end of the stream as last seen). */
  knownUpToId(): number;
}

/**
 * Creates the id source: inside {@link StreamEventIds.inRecord} the record's slots, outside it
 * the next local slot after the latest record (increasing, so ids never go back).
 */
export function createStreamEventIds(position: () => StreamPosition): StreamEventIds {
  let seq = 0;
  let slot = LOCAL_SLOTS_FROM;
  return {
    next() {
      // Past the last slot, ids repeat (and a reader skips the repeat): 9 900 raw events between
      // two records of the cluster, or a record of more than 100 events, do not happen.
      const id = streamEventId(seq, Math.min(slot, IDS_PER_SEQ - 1));
      slot++;
      return id;
    },
    inRecord(recordSeq, publish) {
      if (recordSeq > seq) {
        seq = recordSeq;
        slot = 0;
      }
      try {
        publish();
      } finally {
        slot = Math.max(slot, LOCAL_SLOTS_FROM);
      }
    },
    liveAfterId: () => lastIdOfSeq(position().liveAfter),
    knownUpToId: () => lastIdOfSeq(Math.max(position().known, seq)),
  };
}
