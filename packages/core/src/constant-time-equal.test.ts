import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time-equal.js';

describe('constantTimeEqual', () => {
  it.each([
    ['', '', true],
    ['a', 'a', true],
    ['secret-32-characters-long-abcdef', 'secret-32-characters-long-abcdef', true],
    ['a', 'b', false],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['ab', 'abc', false],
    ['', 'a', false],
    ['a', '', false],
    // A repeated prefix must not match through the modulo indexing.
    ['ab', 'abab', false],
    ['abab', 'ab', false],
    ['aaaa', 'aa', false],
    // Compared as UTF-8 bytes: composed and decomposed forms differ, equal text matches.
    ['é', 'e\u0301', false],
    ['Grüße ☎', 'Grüße ☎', true],
    ['☎', '☏', false],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
  });

  it('agrees with === on any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        // Lone surrogates encode to U+FFFD, so compare what the bytes say.
        const encoder = new TextEncoder();
        const same = encoder.encode(a).join() === encoder.encode(b).join();
        expect(constantTimeEqual(a, b)).toBe(same);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('compares inputs longer than its scratch buffer, and shorter ones afterwards', () => {
    const long = 'ü'.repeat(2000);
    expect(constantTimeEqual(long, long)).toBe(true);
    expect(constantTimeEqual(long, `${long.slice(0, -1)}u`)).toBe(false);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abx')).toBe(false);
  });

  it('a string matches only itself among its one-character edits', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), (s, at) => {
        const i = at % s.length;
        const changed = s.slice(0, i) + (s[i] === 'x' ? 'y' : 'x') + s.slice(i + 1);
        expect(constantTimeEqual(s, changed)).toBe(false);
        expect(constantTimeEqual(changed, s)).toBe(false);
      }),
    );
  });
});
