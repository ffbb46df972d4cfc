// Which of the five scenarios a run includes. Unset, the defaults run (scenarios.test.ts: all
// five, in CI too); SNOMLINK_CLUSTER_SCENARIOS=`all` (or `1`, the older opt-in) runs all five, a
// list such as `2,5` exactly those (the quick way to check one scenario by hand; `1,` is
// scenario 1 alone).

/** Scenario numbers 1–5, in CLUSTER.md's order. */
export const ALL_SCENARIOS: readonly number[] = [1, 2, 3, 4, 5];

/**
 * The scenarios to run for the value of SNOMLINK_CLUSTER_SCENARIOS. Unset or empty: `defaults`.
 * Throws RangeError for anything else than `all`, `1` or a comma list of 1–5. Pure.
 */
export function selectScenarios(
  value: string | undefined,
  defaults: readonly number[],
): ReadonlySet<number> {
  const text = (value ?? '').trim();
  if (text === '') return new Set(defaults);
  if (text === 'all' || text === '1') return new Set(ALL_SCENARIOS);
  const picked = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => Number(part.trim()));
  if (picked.length === 0 || picked.some((n) => !ALL_SCENARIOS.includes(n))) {
    throw new RangeError(
      `SNOMLINK_CLUSTER_SCENARIOS must be "all" or scenario numbers 1-5 like "2,5", got "${text}"`,
    );
  }
  return new Set(picked);
}
