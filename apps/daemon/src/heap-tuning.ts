import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

// The daemon's garbage-collector settings (issue 19, fourth pass). The daemon retains little
// (~30 MB of heap with 1,000 phones) but allocates a lot (~30 MB/s at 50 calls/s, most of it
// the phone HTTP traffic). With V8's defaults that became RSS: the young generation grew to
// 32 MB (two 16 MB semi-spaces) and the old generation to 3–4× its live size before a full
// collection (85–110 MB with 25 MB live), so a daemon peaked at 200 MB (243 MB saturated).
//
// - The old generation grows by half its live size between full collections
//   (`--heap-growing-percent=50`) instead of V8's dynamic factor of up to 4: the heap stays
//   near 1.5× what is live, paid with more (incremental, mostly concurrent) full collections.
// - The young generation stops growing at DEFAULT_MAX_SEMI_SPACE_MB per semi-space.
//   `--max-semi-space-size` is read only when V8 starts (setting it at run time does nothing,
//   measured), so a re-exec or a flag on every command line would be needed; instead V8's
//   `--semi-space-growth-factor`, read at every scavenge, is set to 1 (no growth) once the
//   young generation reached the cap, and back to 2 while a doubling stays within it (V8 shrinks
//   it when allocation is slow, e.g. an idle daemon). Checked after each collection, on the event
//   loop: a synchronous burst of surviving allocation may overshoot by a step or two.
//
// A flag the operator gave node (`node --max-semi-space-size=16 cli.js`, `NODE_OPTIONS`) wins:
// the matching setting is left alone. Both are V8 heuristics: behaviour does not depend on them.

/** What {@link tuneHeap} is told: node's own flags, and the caps (defaults below). */
export interface HeapTuningOptions {
  /** node's own flags (`process.execArgv`). */
  readonly execArgv: readonly string[];
  /** `NODE_OPTIONS`. */
  readonly nodeOptions: string | undefined;
  /** Young generation cap, per semi-space, MB (V8's `--max-semi-space-size` unit). */
  readonly maxSemiSpaceMb?: number;
  /** Old generation growth between full collections, % of live (V8: 1 + percent/100). */
  readonly heapGrowingPercent?: number;
}

/** What {@link tuneHeap} applied (for the start-up log and tests). */
export interface HeapTuning {
  readonly heapGrowingPercent: number | null;
  readonly maxSemiSpaceMb: number | null;
  /** Stops watching the young generation (tests; the daemon keeps it for its lifetime). */
  readonly stop: () => void;
}

/** 4 MB per semi-space: 8 MB of young generation, a quarter of V8's default maximum here. */
export const DEFAULT_MAX_SEMI_SPACE_MB = 4;
/** The old generation may grow by half its live size before the next full collection. */
export const DEFAULT_HEAP_GROWING_PERCENT = 50;

const SEMI_SPACE_FLAGS = ['max-semi-space-size', 'min-semi-space-size', 'semi-space-growth-factor'];
const GROWING_FLAGS = ['heap-growing-percent'];

/** Whether node was started with one of `names` (V8 accepts `_` for `-`). */
function given(flags: readonly string[], names: readonly string[]): boolean {
  return flags.some((flag) => {
    const name = flag.replace(/^--?/, '').split('=')[0]?.replaceAll('_', '-') ?? '';
    return names.includes(name) || names.some((n) => name === `no-${n}`);
  });
}

/** Sets the tuning in force again (V8's flags are process-wide, and so is this); null: none. */
let reapply: (() => void) | null = null;

/**
 * Sets the young generation's cap again, now. Call once a worker thread runs (its isolate
 * exists): creating it set V8's `--semi-space-growth-factor` back to 2, and the next
 * collection could double the daemon's young generation before {@link tuneHeap} sees it.
 * Does nothing when the heap is not tuned.
 */
export function reapplyHeapTuning(): void {
  reapply?.();
}

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Applies the daemon's heap settings (see the comment at the top of this file); call once, early:
 * V8 reads both settings at every collection, so they work from then on. */
export function tuneHeap(options: HeapTuningOptions): HeapTuning {
  const flags = [...options.execArgv, ...(options.nodeOptions ?? '').split(/\s+/)];
  const percent = options.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT;
  const semiMb = options.maxSemiSpaceMb ?? DEFAULT_MAX_SEMI_SPACE_MB;
  let heapGrowingPercent: number | null = null;
  if (!given(flags, GROWING_FLAGS)) {
    setFlagsFromString(`--heap-growing-percent=${String(percent)}`);
    heapGrowingPercent = percent;
  }
  if (given(flags, SEMI_SPACE_FLAGS)) {
    return { heapGrowingPercent, maxSemiSpaceMb: null, stop: () => undefined };
  }
  const capBytes = 2 * semiMb * 1024 * 1024;
  let growing: boolean | null = null;
  const adjust = (): void => {
    // Growth doubles the young generation: allow it only while the result stays within the cap.
    const grow = youngGenerationBytes() * 2 <= capBytes;
    // At the cap the flag is set every time: a new isolate may have raised it meanwhile.
    if (grow && growing === true) return;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? '2' : '1'}`);
    growing = grow;
  };
  adjust();
  const observer = new PerformanceObserver(adjust);
  observer.observe({ entryTypes: ['gc'] });
  reapply = adjust;
  return {
    heapGrowingPercent,
    maxSemiSpaceMb: semiMb,
    stop: () => {
      observer.disconnect();
      if (reapply === adjust) reapply = null;
    },
  };
}
