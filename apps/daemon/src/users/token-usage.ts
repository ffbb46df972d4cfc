import type { TokenUsageRow } from '../audit/audit-log.js';

/** Options of {@link createTokenUsage}. */
export interface TokenUsageOptions {
  /** Stores changed rows (the audit log's `saveTokenUsage`); throwing keeps them for the next try. */
  readonly save: (rows: readonly TokenUsageRow[]) => void;
  /** Most time between a use and its write. Default 30 000 ms. */
  readonly flushMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Last-used times of user tokens: kept in memory on every request and written coalesced (at
 * most once per `flushMs`, and at close), never once per request.
 */
export interface TokenUsage {
  touch(tokenId: string, address: string): void;
  get(tokenId: string): TokenUsageRow | undefined;
  /** Seeds times stored by an earlier run (newer in-memory ones win). */
  load(rows: readonly TokenUsageRow[]): void;
  /** Writes the changed rows now. */
  flush(): void;
  close(): void;
}

/** Creates a {@link TokenUsage}. */
export function createTokenUsage(options: TokenUsageOptions): TokenUsage {
  const now = options.now ?? Date.now;
  const flushMs = options.flushMs ?? 30_000;
  const rows = new Map<string, TokenUsageRow>();
  const dirty = new Set<string>();
  const timer: { handle: NodeJS.Timeout | undefined } = { handle: undefined };

  const flush = (): void => {
    if (timer.handle !== undefined) clearTimeout(timer.handle);
    timer.handle = undefined;
    if (dirty.size === 0) return;
    const changed = [...dirty].flatMap((id) => {
      const row = rows.get(id);
      return row === undefined ? [] : [row];
    });
    try {
      options.save(changed);
      dirty.clear();
    } catch (error) {
      options.onError?.(error);
    }
  };

  return {
    touch(tokenId, address) {
      rows.set(tokenId, { tokenId, lastUsedAt: now(), lastUsedFrom: address });
      dirty.add(tokenId);
      if (timer.handle === undefined) {
        timer.handle = setTimeout(flush, flushMs);
        timer.handle.unref();
      }
    },
    get: (tokenId) => rows.get(tokenId),
    load(stored) {
      for (const row of stored) {
        const known = rows.get(row.tokenId);
        if (known === undefined || known.lastUsedAt < row.lastUsedAt) rows.set(row.tokenId, row);
      }
    },
    flush,
    close: flush,
  };
}
