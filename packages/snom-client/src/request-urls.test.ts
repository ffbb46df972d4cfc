import { describe, expect, it } from 'vitest';
import {
  DIAL_NUMBER_PATTERN,
  dialPath,
  dtmfPath,
  encodeQueryValue,
  keysPath,
  settingsPaths,
} from './request-urls.js';

describe('request URLs', () => {
  it('builds the dial request with and without identity', () => {
    expect(dialPath('+4930123456')).toBe('/command.htm?number=%2B4930123456');
    expect(dialPath('*21#', 'sip:201@pbx.example')).toBe(
      '/command.htm?number=%2A21%23&outgoing_uri=sip:201@pbx.example',
    );
  });

  it('encodes # and * in DTMF and keys, keeping ; between keys', () => {
    expect(dtmfPath('1#*')).toBe('/command.htm?key_dtmf=1%23%2A');
    expect(keysPath(['TRANSFER', '1', '#', 'ENTER'])).toBe('/command.htm?key=TRANSFER;1;%23;ENTER');
  });

  it('percent-encodes every reserved character in setting values', () => {
    expect(encodeQueryValue("a b&c=d?e#f*g'h(i)!/:@")).toBe(
      'a%20b%26c%3Dd%3Fe%23f%2Ag%27h%28i%29%21%2F%3A%40',
    );
  });

  it('accepts only dialable numbers', () => {
    for (const ok of ['201', '+4930123456', '*21#', '#31#0301']) {
      expect(DIAL_NUMBER_PATTERN.test(ok)).toBe(true);
    }
    for (const bad of ['', '12 34', '1;ENTER', '12&key=x', 'abc', '+', '1+2']) {
      expect(DIAL_NUMBER_PATTERN.test(bad)).toBe(false);
    }
  });

  it('puts several settings in one request and adds store_settings', () => {
    const result = settingsPaths({ a: '1', b: 'x y' }, { store: true, maxPathBytes: 2000 });
    expect(result).toEqual({
      paths: ['/dummy.htm?settings=save&a=1&b=x%20y&store_settings=save'],
    });
  });

  it('splits long maps so no path exceeds the budget, keeping every pair once', () => {
    const settings: Record<string, string> = {};
    for (let i = 0; i < 60; i++)
      settings[`action_url_${i}`] = `http://127.0.0.1:8080/e?k=${'s'.repeat(40)}&n=${i}`;
    const result = settingsPaths(settings, { store: true, maxPathBytes: 1900 });
    if (!('paths' in result)) throw new Error('expected paths');
    expect(result.paths.length).toBeGreaterThan(1);
    const seen: Record<string, string> = {};
    for (const path of result.paths) {
      expect(path.length).toBeLessThanOrEqual(1900);
      expect(path.startsWith('/dummy.htm?settings=save&')).toBe(true);
      expect(path.endsWith('&store_settings=save')).toBe(true);
      const params = new URLSearchParams(path.split('?')[1]);
      for (const [k, v] of params) if (k !== 'settings' && k !== 'store_settings') seen[k] = v;
    }
    expect(seen).toEqual(settings);
  });

  it('reports a single pair that cannot fit', () => {
    expect(settingsPaths({ big: 'x'.repeat(3000) }, { store: false, maxPathBytes: 2000 })).toEqual({
      tooLong: 'big',
    });
  });
});
