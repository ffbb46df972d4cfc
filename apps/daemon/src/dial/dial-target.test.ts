import { describe, expect, it } from 'vitest';
import { isDialCommandError } from './dial-errors.js';
import { dialTarget } from './dial-target.js';

describe('dialTarget', () => {
  it('passes numbers, tel: and sip: URIs to the daemon, whose dial rules read them', () => {
    expect(dialTarget(' +49 30 9876543 ')).toBe('+49 30 9876543');
    expect(dialTarget('tel:+49-30-9876543')).toBe('tel:+49-30-9876543');
    expect(dialTarget('TEL:%2B4930987')).toBe('TEL:%2B4930987');
    expect(dialTarget('sip:201@pbx.example')).toBe('sip:201@pbx.example');
  });

  it('unwraps callto: links in their several spellings', () => {
    expect(dialTarget('callto:+4930987')).toBe('+4930987');
    expect(dialTarget('callto://+4930987/')).toBe('+4930987');
    expect(dialTarget('callto:%2B49%2030%20987?call')).toBe('+49 30 987');
  });

  it('refuses other schemes and empty input with exit code 2', () => {
    for (const bad of ['', '   ', 'http://evil.example/', 'callto:', 'callto:%E0%A4%A']) {
      let caught: unknown;
      try {
        dialTarget(bad);
      } catch (error) {
        caught = error;
      }
      expect(isDialCommandError(caught), bad).toBe(true);
      expect((caught as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
