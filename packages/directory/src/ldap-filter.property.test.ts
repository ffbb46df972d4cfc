import fc from 'fast-check';
import { EqualityFilter, FilterParser, OrFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { renderFilterTemplate } from './ldap-filter.js';

describe('filter escaping (property)', () => {
  it('any value stays one equality value: the parsed filter has the template shape and the value unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (a, b) => {
          const filter = renderFilterTemplate('(|(telephoneNumber={e164})(mobile={national}))', {
            e164: a,
            national: b,
          });
          const parsed = FilterParser.parseString(filter);
          if (!(parsed instanceof OrFilter)) throw new Error(`not an OR filter: ${filter}`);
          const [first, second, ...rest] = parsed.filters;
          expect(rest).toEqual([]);
          if (!(first instanceof EqualityFilter) || !(second instanceof EqualityFilter)) {
            throw new Error(`not two equality clauses: ${filter}`);
          }
          expect(first.attribute).toBe('telephoneNumber');
          expect(String(first.value)).toBe(a);
          expect(String(second.value)).toBe(b);
        },
      ),
      { numRuns: 500 },
    );
  });
});
