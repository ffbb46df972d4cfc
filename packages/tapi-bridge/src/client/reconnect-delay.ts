import { backoffDelay } from '@snomlink/core';

/**
 * Delay before reconnect attempt `attempt` (0 = the first after a drop): exponential from
 * `baseMs`, capped at `maxMs`, with "equal jitter" (a random point in the upper half), so that
 * many monitors dropped by one daemon restart do not all come back in the same millisecond.
 * Core's `backoffDelay` (the one retry helper of snomlink), rounded to whole milliseconds.
 */
export function reconnectDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(backoffDelay(attempt, { baseMs, maxMs, jitter: 'equal', random }));
}
