/** The first round (at start) may go this many times faster than the steady rate cap. */
export const FIRST_ROUND_RATE_FACTOR = 4;

/** What {@link checkSpacingMs} needs to know about a round. */
export interface RoundShape {
  /** Phones in the round. */
  readonly phones: number;
  /** The time the round should take: the health interval (steady) or the first-round span. */
  readonly spanMs: number;
  /** Most checks started per second (`health.maxChecksPerSecond`). */
  readonly maxPerSecond: number;
  /** The first round at start: at most 5 ms apart and up to 4 × the rate cap. */
  readonly first?: boolean;
}

/**
 * How far apart (ms) the checks of one health round start. A round spreads its phones over
 * its span, but never faster than the rate cap: every check is a phone request that costs the
 * daemon CPU (a few ms), so 10,000 phones every 30 s (333 checks/s) took more than a core and
 * starved provisioning and the Action URL answers. With more phones than the cap allows per
 * interval, the round takes longer than the interval: each phone is checked less often, the
 * daemon's health check load stays bounded whatever the fleet size.
 */
export function checkSpacingMs(round: RoundShape): number {
  if (round.phones <= 0) return 0;
  const even = round.spanMs / round.phones;
  if (round.first === true) {
    const floor = 1000 / (round.maxPerSecond * FIRST_ROUND_RATE_FACTOR);
    return Math.max(Math.min(5, even), floor);
  }
  return Math.max(even, 1000 / round.maxPerSecond);
}
