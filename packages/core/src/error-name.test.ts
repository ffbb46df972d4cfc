import { describe, expect, it } from 'vitest';
import { hasErrorName } from './error-name.js';

describe('hasErrorName', () => {
  it('matches an Error by name, also one made by another copy of a class', () => {
    class FirstCopy extends Error {
      override name = 'SnomAuthError';
    }
    class SecondCopy extends Error {
      override name = 'SnomAuthError';
    }
    expect(hasErrorName(new FirstCopy(), ['SnomAuthError'])).toBe(true);
    expect(hasErrorName(new SecondCopy(), ['X', 'SnomAuthError'])).toBe(true);
    expect(hasErrorName(new Error('plain'), ['SnomAuthError'])).toBe(false);
  });

  it('refuses what is not an Error, even with the right name', () => {
    for (const value of [{ name: 'SnomAuthError' }, 'SnomAuthError', null, undefined, 42]) {
      expect(hasErrorName(value, ['SnomAuthError'])).toBe(false);
    }
  });
});
