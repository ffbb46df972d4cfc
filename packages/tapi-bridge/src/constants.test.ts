import { describe, expect, it } from 'vitest';
import {
  LINECALLFEATURE,
  LINECALLSTATE,
  LINEERR,
  callStateName,
  flagNames,
  hex32,
  lineErrName,
} from './constants.js';

describe('TAPI constants', () => {
  it('LINECALLSTATE values are distinct single bits from 0x1 to 0x8000', () => {
    const values = Object.values(LINECALLSTATE);
    expect(new Set(values).size).toBe(values.length);
    values.forEach((v, i) => {
      expect(v).toBe(1 << i);
    });
  });

  it('LINEERR values match tapi.h', () => {
    expect(LINEERR.INVALCALLSTATE).toBe(0x8000001c);
    expect(LINEERR.INVALCALLHANDLE).toBe(0x80000018);
    expect(LINEERR.OPERATIONFAILED).toBe(0x80000048);
    expect(LINEERR.OPERATIONUNAVAIL).toBe(0x80000049);
    expect(LINEERR.RESOURCEUNAVAIL).toBe(0x8000004b);
    expect(LINEERR.INVALLINEHANDLE).toBe(0x8000002b);
    expect(LINEERR.INVALADDRESS).toBe(0x80000010);
  });

  it('names values back', () => {
    expect(callStateName(0x100)).toBe('CONNECTED');
    expect(callStateName(0x3)).toBeNull();
    expect(lineErrName(0x8000001c)).toBe('LINEERR_INVALCALLSTATE');
    expect(flagNames(LINECALLFEATURE, LINECALLFEATURE.DROP | LINECALLFEATURE.SETCALLDATA)).toEqual([
      'DROP',
      'SETCALLDATA',
    ]);
    expect(hex32(LINEERR.INVALCALLSTATE)).toBe('0x8000001C');
  });
});
