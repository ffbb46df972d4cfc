// Phone event → SSE action-event latency: pairs the time a simulated phone queued an Action URL
// (reported by the generator process) with the time the SSE reader here received the daemon's
// event for it, both on clock.ts's clock. Either side may arrive first.

/** What identifies one Action URL on both sides: the 190 class sends no call id. */
export interface EventKey {
  readonly phoneId: string;
  readonly cls: 'full' | 'parameterless';
  readonly kind: string;
  readonly callId: string | null | undefined;
}

/** Pairs fired and seen events into latency samples (ms). */
export function createLatencyMatch(): {
  fired(key: EventKey, at: number): void;
  seen(key: EventKey, at: number): void;
  /** The samples since the previous drain. */
  drain(): number[];
  /** Forgets what is still unmatched (before the next target). */
  reset(): void;
  /** Fired events no SSE event was seen for. */
  unmatched(): number;
} {
  const firedAt = new Map<string, number[]>();
  const seenAt = new Map<string, number[]>();
  let samples: number[] = [];
  const keyOf = (k: EventKey): string =>
    k.cls === 'full' ? `${k.phoneId}|${k.kind}|${k.callId ?? ''}` : `${k.phoneId}|${k.kind}`;
  const take = (map: Map<string, number[]>, k: string): number | undefined => {
    const list = map.get(k);
    const value = list?.shift();
    if (list?.length === 0) map.delete(k);
    return value;
  };
  const put = (map: Map<string, number[]>, k: string, v: number): void => {
    const list = map.get(k);
    if (list === undefined) map.set(k, [v]);
    else list.push(v);
  };
  return {
    fired(key, at) {
      const k = keyOf(key);
      const seen = take(seenAt, k);
      if (seen === undefined) put(firedAt, k, at);
      else samples.push(seen - at);
    },
    seen(key, at) {
      const k = keyOf(key);
      const fired = take(firedAt, k);
      if (fired === undefined) put(seenAt, k, at);
      else samples.push(at - fired);
    },
    drain() {
      const out = samples;
      samples = [];
      return out;
    },
    reset() {
      firedAt.clear();
      seenAt.clear();
      samples = [];
    },
    unmatched() {
      let n = 0;
      for (const list of firedAt.values()) n += list.length;
      return n;
    },
  };
}
