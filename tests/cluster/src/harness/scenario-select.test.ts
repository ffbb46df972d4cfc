import { describe, expect, it } from 'vitest';
import { selectScenarios } from './scenario-select.js';

describe('selectScenarios', () => {
  it('runs the defaults when the variable is unset or empty', () => {
    expect([...selectScenarios(undefined, [1, 3])]).toEqual([1, 3]);
    expect([...selectScenarios(' ', [])]).toEqual([]);
  });

  it('runs all five for "all" and for the older "1"', () => {
    expect([...selectScenarios('all', [])]).toEqual([1, 2, 3, 4, 5]);
    expect([...selectScenarios('1', [3])]).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs exactly a listed choice', () => {
    expect([...selectScenarios('2, 5', [1])]).toEqual([2, 5]);
    expect([...selectScenarios('1,', [])]).toEqual([1]);
  });

  it('refuses what it cannot read', () => {
    expect(() => selectScenarios('6', [])).toThrow(RangeError);
    expect(() => selectScenarios('yes', [])).toThrow(RangeError);
    expect(() => selectScenarios(',', [])).toThrow(RangeError);
  });
});
