import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { checkFilterTemplate, escapeFilterValue, renderFilterTemplate } from './ldap-filter.js';

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the five special characters and nothing else', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\0')).toBe('\\00');
    expect(escapeFilterValue('+49 (30) 1234567')).toBe('+49 \\2830\\29 1234567');
    expect(escapeFilterValue('Jörg Müller')).toBe('Jörg Müller');
  });

  it('an injection attempt stays one equality value after parsing', () => {
    const filter = renderFilterTemplate('(telephoneNumber={e164})', { e164: '*)(objectClass=*' });
    expect(filter).toBe('(telephoneNumber=\\2a\\29\\28objectClass=\\2a)');
    const parsed = FilterParser.parseString(filter);
    expect(parsed.type).toBe(0xa3); // equalityMatch, not a substring/or filter
    expect(parsed.toString()).toBe(filter);
  });
});

describe('renderFilterTemplate / checkFilterTemplate', () => {
  it('fills every placeholder, escaped', () => {
    expect(
      renderFilterTemplate('(|(telephoneNumber={e164})(mobile={national})(x={unknown}))', {
        e164: '+49301234567',
        national: '030*',
      }),
    ).toBe('(|(telephoneNumber=+49301234567)(mobile=030\\2a)(x={unknown}))');
  });

  it('reports unknown placeholders and broken filters', () => {
    expect(checkFilterTemplate('(telephoneNumber={e164})', ['e164'], 'filter')).toEqual([]);
    expect(checkFilterTemplate('(telephoneNumber={phone})', ['e164'], 'filter')[0]).toMatch(
      /filter uses \{phone\}; known placeholders are \{e164\}/,
    );
    expect(checkFilterTemplate('(|(telephoneNumber={e164})', ['e164'], 'filter')[0]).toMatch(
      /not a valid LDAP filter/,
    );
  });
});
