/**
 * The Prometheus text exposition format, version 0.0.4, written by hand: HELP/TYPE comments,
 * `name{label="value"} value` samples, label values and HELP text escaped as the format says,
 * and a fixed-bucket histogram. Small enough that a client library is not worth a dependency.
 */

/** `Content-Type` of a version 0.0.4 text exposition. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Metric types this writer emits. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Label name → value. Names must match `[a-zA-Z_][a-zA-Z0-9_]*`; values are escaped. */
export type MetricLabels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and line feed, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A sample value as the format writes it: `+Inf`, `-Inf`, `NaN` or a Go-parsable float. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: MetricLabels | undefined): string {
  if (labels === undefined) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new Error(`invalid Prometheus label name "${name}"`);
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A histogram with fixed upper bounds (seconds, bytes, …); `observe` is a short loop. */
export interface Histogram {
  /** Counts one observation. */
  observe(value: number): void;
  /** Upper bounds, ascending, without `+Inf`. */
  readonly buckets: readonly number[];
  /** Observations per bucket (not cumulative), the last entry being `+Inf`. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Creates a histogram with these upper bounds (sorted; `+Inf` is implied). */
export function createHistogram(buckets: readonly number[]): Histogram {
  const bounds = [...buckets].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  return {
    observe(value) {
      let i = 0;
      while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
      counts[i] = (counts[i] ?? 0) + 1;
      sum += value;
      count++;
    },
    buckets: bounds,
    counts,
    get sum() {
      return sum;
    },
    get count() {
      return count;
    },
  };
}

/** One labelled sample of a family written by {@link Exposition.metric}. */
export interface LabelledSample {
  readonly value: number;
  readonly labels?: MetricLabels;
}

/** Collects metric families and writes them as one exposition. */
export interface Exposition {
  /**
   * A whole family whose samples carry its own name: HELP, TYPE, then one unlabelled value or
   * each labelled sample in order.
   */
  metric(
    name: string,
    type: MetricType,
    help: string,
    samples: number | readonly LabelledSample[],
  ): void;
  /** Starts a family: its `# HELP` and `# TYPE` lines. Samples of it follow. */
  family(name: string, type: MetricType, help: string): void;
  /** One sample line `name{labels} value`. */
  sample(name: string, value: number, labels?: MetricLabels): void;
  /** A whole histogram family: HELP, TYPE, cumulative `_bucket`s with `le`, `_sum`, `_count`. */
  histogram(name: string, help: string, histogram: Histogram): void;
  /** The exposition text, each line ending in `\n`. */
  text(): string;
}

/** Creates an exposition writer. Invalid metric or label names throw (they are programmer errors). */
export function createExposition(): Exposition {
  const lines: string[] = [];
  const checkName = (name: string): void => {
    if (!NAME.test(name)) throw new Error(`invalid Prometheus metric name "${name}"`);
  };
  const exposition: Exposition = {
    metric(name, type, help, samples) {
      exposition.family(name, type, help);
      if (typeof samples === 'number') exposition.sample(name, samples);
      else for (const { value, labels } of samples) exposition.sample(name, value, labels);
    },
    family(name, type, help) {
      checkName(name);
      lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    },
    sample(name, value, labels) {
      checkName(name);
      lines.push(`${name}${formatLabels(labels)} ${formatSampleValue(value)}`);
    },
    histogram(name, help, histogram) {
      exposition.family(name, 'histogram', help);
      let cumulative = 0;
      histogram.buckets.forEach((bound, i) => {
        cumulative += histogram.counts[i] ?? 0;
        exposition.sample(`${name}_bucket`, cumulative, { le: formatSampleValue(bound) });
      });
      exposition.sample(`${name}_bucket`, histogram.count, { le: '+Inf' });
      exposition.sample(`${name}_sum`, histogram.sum);
      exposition.sample(`${name}_count`, histogram.count);
    },
    text() {
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  };
  return exposition;
}
