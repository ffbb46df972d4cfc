import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../testing/prometheus.js';
import {
  createExposition,
  createHistogram,
  escapeLabelValue,
  formatSampleValue,
} from './prometheus-text.js';

describe('Prometheus text format', () => {
  it('escapes backslash, double quote and line feed in label values, and reads back the same', () => {
    const hostile = 'a\\b"c\nd"} 1\n# TYPE x counter';
    expect(escapeLabelValue(hostile)).toBe('a\\\\b\\"c\\nd\\"} 1\\n# TYPE x counter');
    const out = createExposition();
    out.family('t_gauge', 'gauge', 'help with \\ and\nnewline');
    out.sample('t_gauge', 1, { phone: hostile });
    const text = out.text();
    // One HELP, one TYPE, one sample: the hostile value cannot start a line of its own.
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('# HELP t_gauge help with \\\\ and\\nnewline\n');
    const parsed = parsePrometheusText(text);
    expect(parsed.samples).toEqual([{ name: 't_gauge', labels: { phone: hostile }, value: 1 }]);
  });

  it('writes +Inf, -Inf and NaN as the format spells them', () => {
    expect(formatSampleValue(Infinity)).toBe('+Inf');
    expect(formatSampleValue(-Infinity)).toBe('-Inf');
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
    expect(formatSampleValue(0.25)).toBe('0.25');
    expect(formatSampleValue(1e21)).toBe('1e+21');
  });

  it('writes a histogram with cumulative buckets, +Inf, _sum and _count', () => {
    const h = createHistogram([10, 1, 5]);
    for (const v of [0.5, 1, 3, 7, 11, 100]) h.observe(v);
    const out = createExposition();
    out.histogram('t_seconds', 'test', h);
    const parsed = parsePrometheusText(out.text());
    expect(parsed.types.get('t_seconds')).toBe('histogram');
    expect(parsed.value('t_seconds_bucket', { le: '1' })).toBe(2); // 0.5 and 1 (le is inclusive)
    expect(parsed.value('t_seconds_bucket', { le: '5' })).toBe(3);
    expect(parsed.value('t_seconds_bucket', { le: '10' })).toBe(4);
    expect(parsed.value('t_seconds_bucket', { le: '+Inf' })).toBe(6);
    expect(parsed.value('t_seconds_count')).toBe(6);
    expect(parsed.value('t_seconds_sum')).toBe(122.5);
  });

  it('refuses invalid metric and label names (a programming error, not data)', () => {
    const out = createExposition();
    expect(() => {
      out.family('bad-name', 'gauge', 'x');
    }).toThrow(/metric name/);
    expect(() => {
      out.sample('ok', 1, { 'bad-label': 'x' });
    }).toThrow(/label name/);
    expect(() => {
      out.sample('ok', 1, { __reserved: 'x' });
    }).toThrow(/label name/);
  });

  it('metric() writes a whole family: the same text as family() and its samples', () => {
    const one = createExposition();
    one.metric('a_total', 'counter', 'A.', 3);
    one.metric('b', 'gauge', 'B.', [
      { value: 1, labels: { x: '1' } },
      { value: 2, labels: { x: '2' } },
    ]);
    const two = createExposition();
    two.family('a_total', 'counter', 'A.');
    two.sample('a_total', 3);
    two.family('b', 'gauge', 'B.');
    two.sample('b', 1, { x: '1' });
    two.sample('b', 2, { x: '2' });
    expect(one.text()).toBe(two.text());
    expect(one.text()).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total 3\n' +
        '# HELP b B.\n# TYPE b gauge\nb{x="1"} 1\nb{x="2"} 2\n',
    );
  });

  it('the test reader rejects what the format forbids', () => {
    expect(() => parsePrometheusText('# TYPE a gauge\na 1')).toThrow(/end with/);
    expect(() => parsePrometheusText('a 1\n')).toThrow(/before its # TYPE/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{x="1} 1\n')).toThrow(/bad label/);
    expect(() => parsePrometheusText('# TYPE a gauge\na one\n')).toThrow(/bad value/);
    expect(() => parsePrometheusText('# TYPE a gauge\na 1\na 2\n')).toThrow(/duplicate/);
  });
});
