/** A bounded map whose entries expire; the oldest entry goes first when it is full. */
export interface TtlCache<V> {
  /** `{ value }` while fresh (value may be undefined: a cached "not found"), else undefined. */
  get(key: string): { readonly value: V } | undefined;
  set(key: string, value: V, ttlMs: number): void;
  clear(): void;
  readonly size: number;
}

/** Creates a {@link TtlCache} holding at most `maxEntries` keys. */
export function createTtlCache<V>(maxEntries: number, now: () => number = Date.now): TtlCache<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key) {
      const hit = entries.get(key);
      if (hit === undefined) return undefined;
      if (hit.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return { value: hit.value };
    },
    set(key, value, ttlMs) {
      if (ttlMs <= 0 || maxEntries <= 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
