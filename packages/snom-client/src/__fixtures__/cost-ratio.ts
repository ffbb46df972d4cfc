import { performance } from 'node:perf_hooks';

/**
 * Median time of `fn(hostile)` over median time of `fn(normal)`, runs interleaved so load from
 * other processes on the machine hits both alike. For linear-cost tests: a ratio, not a time.
 */
export function costRatio(
  fn: (input: string) => unknown,
  hostile: string,
  normal: string,
  runs = 9,
): number {
  const times = { hostile: [] as number[], normal: [] as number[] };
  const median = (list: number[]): number =>
    [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
  fn(normal); // warm up
  for (let i = 0; i < runs; i++) {
    for (const kind of ['normal', 'hostile'] as const) {
      const start = performance.now();
      fn(kind === 'normal' ? normal : hostile);
      times[kind].push(performance.now() - start);
    }
  }
  return median(times.hostile) / median(times.normal);
}
