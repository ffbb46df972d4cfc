import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
  DEFAULT_DIAL_RULES,
  dialRulesSchema,
  normalizeNumber,
  toDialable,
  type DialRules,
  type NumberIssue,
} from './dial-rules.js';

const BERLIN: DialRules = {
  countryCode: '49',
  areaCode: '30',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '0',
  internalMaxLength: 4,
};
const ZURICH: DialRules = {
  countryCode: '41',
  areaCode: '44',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '',
  internalMaxLength: 3,
};
const LONDON: DialRules = {
  countryCode: '44',
  areaCode: '20',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '9',
  internalMaxLength: 4,
};
const NEW_YORK: DialRules = {
  countryCode: '1',
  areaCode: '212',
  internationalPrefix: '011',
  nationalPrefix: '1',
  outsideLine: '9',
  internalMaxLength: 4,
};

describe('dialRulesSchema', () => {
  it('accepts the example rule sets and rejects a country code with a plus', () => {
    for (const rules of [BERLIN, ZURICH, LONDON, NEW_YORK, DEFAULT_DIAL_RULES]) {
      expect(v.safeParse(dialRulesSchema, rules).success).toBe(true);
    }
    expect(v.safeParse(dialRulesSchema, { ...BERLIN, countryCode: '+49' }).success).toBe(false);
  });
});

type Row = [rules: string, input: string, kind: string, e164: string | null, canonical: string];
const RULES: Record<string, DialRules> = {
  DE: BERLIN,
  CH: ZURICH,
  UK: LONDON,
  US: NEW_YORK,
};

describe('normalizeNumber', () => {
  const rows: Row[] = [
    ['DE', '+4930123456', 'external', '+4930123456', '+49 (30) 123456'],
    ['DE', '+49 (0)30 1234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['DE', '0301234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['DE', '00301234567', 'external', '+49301234567', '+49 (30) 1234567'], // outside line left on
    ['DE', '0049301234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['DE', '00049301234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['DE', '030/123 45 67', 'external', '+49301234567', '+49 (30) 1234567'],
    ['DE', '01711234567', 'external', '+491711234567', '+49 (171) 1234567'],
    ['DE', '0041446681800', 'external', '+41446681800', '+41 (44) 6681800'],
    ['DE', 'sip:+4930123456@pbx.example;user=phone', 'external', '+4930123456', '+49 (30) 123456'],
    ['DE', 'tel:+1-212-555-0100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['DE', '201', 'internal', null, '201'],
    ['DE', '2001', 'internal', null, '2001'],
    ['DE', 'sip:201@pbx', 'internal', null, '201'],
    ['DE', '**21', 'special', null, '**21'],
    ['DE', '*31#', 'special', null, '*31#'],
    ['CH', '044 668 18 00', 'external', '+41446681800', '+41 (44) 6681800'],
    ['CH', '+41 79 123 45 67', 'external', '+41791234567', '+41 (79) 1234567'],
    ['CH', '6681800', 'external', '+41446681800', '+41 (44) 6681800'], // local number
    ['CH', '101', 'internal', null, '101'],
    ['UK', '020 7946 0958', 'external', '+442079460958', '+44 (20) 79460958'],
    ['UK', '9020 7946 0958', 'external', '+442079460958', '+44 (20) 79460958'],
    ['UK', '+44 7911 123456', 'external', '+447911123456', '+44 (7911) 123456'],
    ['UK', '0049 30 1234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['US', '+1 212 555 0100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '12125550100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '912125550100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '2125550100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '5550100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '95550100', 'external', '+12125550100', '+1 (212) 5550100'],
    ['US', '011 49 30 1234567', 'external', '+49301234567', '+49 (30) 1234567'],
    ['US', '4711', 'internal', null, '4711'],
  ];
  it.each(rows)('%s %j → %s %s %s', (rules, input, kind, e164, canonical) => {
    const result = normalizeNumber(input, RULES[rules]!);
    expect(result).toEqual({
      success: true,
      output: expect.objectContaining({ kind, e164, canonical }) as unknown,
    });
  });

  it('reports the digits without the outside line the PBX left on', () => {
    const result = normalizeNumber('00301234567', BERLIN);
    expect(result.success && result.output.digits).toBe('0301234567');
  });

  const bad: [rules: string, input: string, code: NumberIssue['code']][] = [
    ['DE', '', 'empty'],
    ['DE', '   ', 'empty'],
    ['DE', '$remote', 'empty'],
    ['DE', 'abc', 'invalid-characters'],
    ['CH', '030 12a4567', 'invalid-characters'],
    ['UK', '1234567890123456789012345678901234567890', 'too-long'],
    ['US', '+', 'too-short'],
    ['US', '+1', 'too-short'],
    ['DE', '+999 123456789', 'invalid-number'],
    ['CH', '+30 1234567', 'invalid-number'],
  ];
  it.each(bad)('%s %j → %s', (rules, input, code) => {
    const result = normalizeNumber(input, RULES[rules]!);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.issues[0]?.code).toBe(code);
      expect(result.issues[0]?.message.length).toBeGreaterThan(10);
    }
  });

  it('keeps callers cached while phones report their extensions (extensions bypass the cache)', () => {
    const rules: DialRules = { ...BERLIN };
    const caller = normalizeNumber('+49301234567', rules);
    // 1,000 phones' own extensions and 1,000 other callers: more than the cache's 2,048 if
    // the extensions took slots; the first caller must still be answered from the cache.
    for (let i = 0; i < 1000; i++) {
      expect(normalizeNumber(String(2000 + i), rules)).toEqual({
        success: true,
        output: {
          kind: 'internal',
          digits: String(2000 + i),
          e164: null,
          canonical: String(2000 + i),
        },
      });
      normalizeNumber(`+4930${String(2000000 + i)}`, rules);
    }
    for (let i = 0; i < 1000; i++) normalizeNumber(String(5000 + i).slice(0, 4), rules);
    expect(normalizeNumber('+49301234567', rules)).toBe(caller);
  });

  it('never throws on non-string input', () => {
    expect(normalizeNumber(undefined as unknown as string, BERLIN).success).toBe(false);
  });
});

describe('toDialable', () => {
  const rows: [rules: string, input: string, dial: string][] = [
    ['DE', '+49 30 1234567', '01234567'], // same area: outside line + subscriber
    ['DE', '030/123 45 67', '01234567'],
    ['DE', '(0)30-1234567', '01234567'],
    ['DE', '+49 89 12345678', '0089 12345678'.replace(' ', '')],
    ['DE', '+49 (0)171 1234567', '001711234567'],
    ['DE', 'tel:+1-212-555-0100', '0001 2125550100'.replace(' ', '')],
    ['DE', '00 1 212 555 0100', '00012125550100'],
    ['DE', '+41 44 668 18 00', '00041446681800'],
    ['DE', '201', '201'],
    ['DE', '**21', '**21'],
    ['CH', '+41 44 668 18 00', '6681800'],
    ['CH', '+41 31 123 45 67', '0311234567'],
    ['CH', '+49 30 1234567', '0049301234567'],
    ['UK', '+44 20 7946 0958', '979460958'],
    ['UK', '+44 161 496 0000', '901614960000'],
    ['UK', '+1 (212) 555-0100', '90012125550100'],
    ['US', '+1 (212) 5550100', '95550100'],
    ['US', '+1 415 555 0100', '914155550100'],
    ['US', '+49 30 1234567', '901149301234567'],
    ['US', 'tel:+44-20-7946-0958', '9011442079460958'],
    ['US', '4711', '4711'],
  ];
  it.each(rows)('%s %j → %j', (rules, input, dial) => {
    expect(toDialable(input, RULES[rules]!)).toEqual({ success: true, output: dial });
  });

  it.each([
    ['', 'empty'],
    ['call me', 'invalid-characters'],
    ['1'.repeat(40), 'too-long'],
    ['+*31#', 'invalid-characters'],
  ] as const)('%j → %s', (input, code) => {
    const result = toDialable(input, BERLIN);
    expect(result.success).toBe(false);
    expect(!result.success && result.issues[0]?.code).toBe(code);
  });
});
