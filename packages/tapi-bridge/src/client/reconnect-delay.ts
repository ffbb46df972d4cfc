/**
 * Delay before reconnect attempt `attempt` (0 = the first after a drop): exponential from
 * `baseMs`, capped at `maxMs`, with "equal jitter" (a random point in the upper half), so that
 * many monitors dropped by one daemon restart do not all come back in the same millisecond.
 * One small function on purpose: core's `backoffDelay` can replace it.
 */
export function reconnectDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
