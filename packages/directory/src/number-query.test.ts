import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { numberKey, toNumberQuery } from './number-query.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30', outsideLine: '0' };

describe('numberKey / toNumberQuery', () => {
  it('gives every way of writing one Berlin number the same E.164 key', () => {
    for (const raw of [
      '030 1234567',
      '+49 (30) 1234567',
      '0049301234567',
      '+49 (0)30 123 45 67',
      '1234567',
      '0 030 1234567',
      'tel:+49-30-1234567',
    ]) {
      expect(numberKey(raw, BERLIN), raw).toBe('+49301234567');
    }
  });

  it('keys extensions apart from outside numbers, and refuses what is no number', () => {
    expect(numberKey('2001', BERLIN)).toBe('ext:2001');
    expect(numberKey('*21#', BERLIN)).toBeNull();
    expect(numberKey('', BERLIN)).toBeNull();
    expect(numberKey('anonymous', BERLIN)).toBeNull();
    expect(numberKey('*)(cn=*', BERLIN)).toBeNull();
  });

  it('gives the forms an LDAP filter template uses', () => {
    expect(toNumberQuery('030 1234567', BERLIN)?.forms).toEqual({
      e164: '+49301234567',
      e164digits: '49301234567',
      national: '0301234567',
      international: '0049301234567',
      canonical: '+49 (30) 1234567',
      subscriber: '1234567',
      extension: '+49301234567',
    });
    // A foreign number has no national or subscriber form: they fall back to E.164.
    expect(toNumberQuery('0041 44 668 18 00', BERLIN)?.forms).toMatchObject({
      e164: '+41446681800',
      national: '+41446681800',
      international: '0041446681800',
      subscriber: '+41446681800',
    });
    expect(toNumberQuery('2001', BERLIN)).toMatchObject({
      key: 'ext:2001',
      kind: 'internal',
      forms: { extension: '2001', e164: '2001' },
    });
  });
});
