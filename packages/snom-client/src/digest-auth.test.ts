import { describe, expect, it } from 'vitest';
import {
  DigestSession,
  computeDigestResponse,
  formatNonceCount,
  parseWwwAuthenticate,
  pickDigestChallenge,
} from './digest-auth.js';

// RFC 7616 §3.9.1: the worked example (user Mufasa, password "Circle of Life").
const RFC = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  uri: '/dir/index.html',
  method: 'GET',
  qop: 'auth' as const,
  nc: 1,
};

const RFC_HEADER =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

describe('computeDigestResponse (RFC 7616 §3.9.1)', () => {
  it('matches the MD5 response of the worked example', () => {
    expect(computeDigestResponse({ ...RFC, algorithm: 'MD5' })).toBe(
      '8ca523f5e9506fed4657c9700eebdbec',
    );
  });

  it('matches the SHA-256 response of the worked example', () => {
    expect(computeDigestResponse({ ...RFC, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('computes the RFC 2617 §3.5 response (MD5, qop=auth)', () => {
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: 1,
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('formats nc as 8 hex digits', () => {
    expect(formatNonceCount(1)).toBe('00000001');
    expect(formatNonceCount(255)).toBe('000000ff');
  });
});

describe('parseWwwAuthenticate', () => {
  it('splits the two challenges of the RFC example and prefers SHA-256', () => {
    const challenges = parseWwwAuthenticate(RFC_HEADER);
    expect(challenges).toHaveLength(2);
    expect(challenges[0]?.params).toMatchObject({
      realm: RFC.realm,
      qop: 'auth, auth-int',
      algorithm: 'SHA-256',
      nonce: RFC.nonce,
      opaque: RFC.opaque,
    });
    expect(pickDigestChallenge(challenges)?.params['algorithm']).toBe('SHA-256');
  });

  it('reads Basic and Digest side by side, unquoted values and escapes', () => {
    const challenges = parseWwwAuthenticate(
      'Basic realm="snom \\"phone\\"", Digest realm=x, nonce=abc, stale=TRUE',
    );
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'digest']);
    expect(challenges[0]?.params['realm']).toBe('snom "phone"');
    expect(challenges[1]?.params).toEqual({ realm: 'x', nonce: 'abc', stale: 'TRUE' });
  });

  it('skips challenges it cannot answer (auth-int only, unknown algorithm)', () => {
    expect(
      pickDigestChallenge(
        parseWwwAuthenticate(
          'Digest realm=a, nonce=n, qop="auth-int", Digest realm=a, nonce=n, algorithm=SHA-512-256',
        ),
      ),
    ).toBeUndefined();
  });
});

describe('DigestSession', () => {
  it('builds the RFC example Authorization header and counts nonce uses', () => {
    const session = new DigestSession(RFC.username, RFC.password, () => RFC.cnonce);
    const [sha256] = parseWwwAuthenticate(RFC_HEADER);
    expect(session.accept(sha256!)).toBe(true);
    const first = session.authorization('GET', RFC.uri)!;
    expect(first).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
    expect(first).toContain('nc=00000001');
    expect(first).toContain('qop=auth');
    expect(first).toContain(`opaque="${RFC.opaque}"`);
    expect(first).toContain('algorithm=SHA-256');
    const second = session.authorization('GET', RFC.uri)!;
    expect(second).toContain('nc=00000002');
    expect(second).not.toBe(first);
  });

  it('restarts nc at 1 with a fresh challenge and omits qop fields for RFC 2069 phones', () => {
    const session = new DigestSession('u', 'p', () => 'c');
    session.accept({ scheme: 'digest', params: { realm: 'r', nonce: 'n1' } });
    session.authorization('GET', '/');
    session.accept({ scheme: 'digest', params: { realm: 'r', nonce: 'n2' } });
    const header = session.authorization('GET', '/')!;
    expect(header).toContain('nonce="n2"');
    expect(header).not.toContain('nc=');
    expect(header).not.toContain('qop=');
  });

  it('hashes the username when the phone asks for userhash', () => {
    const session = new DigestSession('Mufasa', 'x', () => 'c');
    session.accept({ scheme: 'digest', params: { realm: 'r', nonce: 'n', userhash: 'true' } });
    const header = session.authorization('GET', '/')!;
    expect(header).not.toContain('Mufasa');
    expect(header).toContain('userhash=true');
  });
});
