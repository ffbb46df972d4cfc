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

/** One matched event: when the SSE reader saw it, and how long after the phone queued it (ms). */
export interface LatencySample {
  readonly at: number;
  readonly ms: number;
}

/** Pairs fired and seen events into latency samples. */
export function createLatencyMatch(): {
  fired(key: EventKey, at: number): void;
  seen(key: EventKey, at: number): void;
  /** The samples since the previous drain. */
  drain(): LatencySample[];
  /** Forgets what is still unmatched (before the next target). */
  reset(): void;
  /** Fired events no SSE event was seen for. */
  unmatched(): number;
} {
  const firedAt = new Map<string, number[]>();
  const seenAt = new Map<string, number[]>();
  let samples: LatencySample[] = [];
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
      else samples.push({ at: seen, ms: seen - at });
    },
    seen(key, at) {
      const k = keyOf(key);
      const fired = take(firedAt, k);
      if (fired === undefined) put(seenAt, k, at);
      else samples.push({ at, ms: at - fired });
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

/** How the slowest events of a phase were spread in time: one stall, or a steady tail. */
export interface TailSpread {
  /** Events at or above the threshold (the phase's p99). */
  readonly slow: number;
  /** From the first to the last of them, ms. */
  readonly spanMs: number;
  /** The most of them seen within any `windowMs`. */
  readonly mostWithinWindow: number;
  readonly windowMs: number;
  /** When that window began, µs on clock.ts's clock (as `profile-summary --window` takes it). */
  readonly busiestFromUs: number;
}

/** Describes when the samples at or above `thresholdMs` arrived (null: none). */
export function tailSpread(
  samples: readonly LatencySample[],
  thresholdMs: number,
  windowMs = 500,
): TailSpread | null {
  const times = samples
    .filter((s) => s.ms >= thresholdMs)
    .map((s) => s.at)
    .sort((a, b) => a - b);
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return null;
  let most = 0;
  let busiestFrom = first;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) > windowMs) from++;
    if (to - from + 1 > most) {
      most = to - from + 1;
      busiestFrom = times[from] ?? first;
    }
  }
  return {
    slow: times.length,
    spanMs: Math.round(last - first),
    mostWithinWindow: most,
    windowMs,
    busiestFromUs: Math.round(busiestFrom * 1000),
  };
}
