/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be
 * a `# HELP`/`# TYPE` comment or a `name{labels} value` sample of a family declared before it.
 */

/** One parsed sample. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What {@link parsePrometheusText} found. */
export interface PromText {
  /** Metric family name → type. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly PromSample[];
  /** The value of the one sample with exactly these labels; throws when there is none. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
  /** Whether a sample with this name exists. */
  has(name: string): boolean;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function unescape(value: string): string {
  return value.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) throw new Error(`line ${String(line)}: bad label set {${text}}`);
    const [, name = '', value = ''] = match;
    if (name in labels) throw new Error(`line ${String(line)}: label ${name} twice`);
    labels[name] = unescape(value);
  }
  return labels;
}

function key(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
}

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const type = types.get(base);
  return type === 'histogram' || type === 'summary' ? base : undefined;
}

/** Parses an exposition; throws naming the first line that breaks the format. */
export function parsePrometheusText(text: string): PromText {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with \\n');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: PromSample[] = [];
  const byKey = new Map<string, number>();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith('#')) {
      const comment = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(raw);
      if (comment === null) throw new Error(`line ${String(line)}: bad comment: ${raw}`);
      const [, kind, name = '', rest = ''] = comment;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${String(line)}: unknown type ${rest}`);
        if (types.has(name)) throw new Error(`line ${String(line)}: TYPE of ${name} twice`);
        types.set(name, rest);
      } else {
        if (helps.has(name)) throw new Error(`line ${String(line)}: HELP of ${name} twice`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, '')))
          throw new Error(`line ${String(line)}: bad escape in HELP`);
        helps.add(name);
      }
      return;
    }
    const match = SAMPLE.exec(raw);
    if (match === null) throw new Error(`line ${String(line)}: not a sample: ${raw}`);
    const [, name = '', labelText, valueText = ''] = match;
    if (!VALUE.test(valueText)) throw new Error(`line ${String(line)}: bad value ${valueText}`);
    if (familyOf(name, types) === undefined)
      throw new Error(`line ${String(line)}: sample ${name} before its # TYPE`);
    const labels = labelText === undefined ? {} : parseLabels(labelText, line);
    const value = valueText.endsWith('Inf')
      ? valueText.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(valueText);
    const k = key(name, labels);
    if (byKey.has(k)) throw new Error(`line ${String(line)}: duplicate series ${raw}`);
    byKey.set(k, value);
    samples.push({ name, labels, value });
  });
  return {
    types,
    samples,
    value(name, labels = {}) {
      const value = byKey.get(key(name, labels));
      if (value === undefined)
        throw new Error(`no sample ${name}${JSON.stringify(labels)} in the exposition`);
      return value;
    },
    has(name) {
      return samples.some((s) => s.name === name);
    },
  };
}
