import { describe, expect, it } from 'vitest';
import { formatHost, guessLanAddress, publicBaseOf } from './public-base.js';

describe('publicBaseOf', () => {
  it.each([
    [{ publicHost: '192.0.2.10', host: '0.0.0.0', port: 8080 }, 'http://192.0.2.10:8080'],
    [{ publicHost: '192.0.2.10:8088', host: '0.0.0.0', port: 8080 }, 'http://192.0.2.10:8088'],
    [{ publicHost: 'pbx.example', host: '127.0.0.1', port: 9000 }, 'http://pbx.example:9000'],
    [{ publicHost: '[2001:db8::1]', host: '::', port: 8080 }, 'http://[2001:db8::1]:8080'],
    [{ publicHost: null, host: '127.0.0.1', port: 8080 }, 'http://127.0.0.1:8080'],
    [{ publicHost: null, host: '::1', port: 8080 }, 'http://[::1]:8080'],
  ])('%o -> %s', (input, expected) => {
    expect(publicBaseOf(input)).toBe(expected);
  });

  it('uses the first LAN IPv4 address when bound to every interface', () => {
    const lan = guessLanAddress();
    expect(publicBaseOf({ publicHost: null, host: '0.0.0.0', port: 8080 })).toBe(
      `http://${lan}:8080`,
    );
    expect(publicBaseOf({ publicHost: null, host: '::', port: 1 })).toBe(`http://${lan}:1`);
  });
});

describe('formatHost', () => {
  it('brackets IPv6 addresses once', () => {
    expect(formatHost('::1')).toBe('[::1]');
    expect(formatHost('[::1]')).toBe('[::1]');
    expect(formatHost('10.0.0.1')).toBe('10.0.0.1');
  });
});
