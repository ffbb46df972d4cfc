import { spawnSync } from 'node:child_process';

/** What `promtool check metrics` said about a scrape: exit status and every line it printed. */
export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/**
 * Runs Prometheus's own checker, `promtool check metrics`, on a scrape (exit 0 and no output
 * means it parses and passes promtool's lint: `_total` on counters, units, help text). Returns
 * null when promtool is not installed (scripts/ensure-promtool.sh installs it) after a loud
 * warning; on CI a missing promtool throws instead, so the check cannot silently vanish.
 */
export function promtoolCheckMetrics(text: string): PromtoolResult | null {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    if (process.env['CI'])
      throw new Error('promtool is missing on CI; run scripts/ensure-promtool.sh');
    console.warn('\n!!! SKIPPED: promtool is not installed; /api/metrics is not checked by it\n');
    return null;
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
