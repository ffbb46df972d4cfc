import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findHeadEnd, parseRequestHead, skipEmptyLines } from './request-head.js';
import type { RequestHead } from './request-head.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('findHeadEnd', () => {
  it('finds a CRLF blank line', () => {
    const buffer = b('GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT');
    expect(findHeadEnd(buffer, 0)).toEqual({ end: 24, next: 27 });
    expect(buffer.toString('latin1', 27)).toBe('NEXT');
  });

  it('finds a bare-LF blank line, and a mixed one', () => {
    expect(findHeadEnd(b('GET / HTTP/1.1\nHost: x\n\nNEXT'), 0)).toEqual({ end: 22, next: 24 });
    expect(findHeadEnd(b('GET / HTTP/1.1\r\nHost: x\n\r\nN'), 0)).toEqual({ end: 23, next: 26 });
  });

  it('starts at `from` and reports an incomplete head as undefined', () => {
    const two = b('GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n');
    const first = findHeadEnd(two, 0);
    expect(first?.next).toBe(19);
    expect(findHeadEnd(two, first?.next ?? 0)).toEqual({ end: 35, next: 38 });
    expect(findHeadEnd(b('GET / HTTP/1.1\r\nHost: x\r\n'), 0)).toBeUndefined();
    expect(findHeadEnd(b('GET / HTTP/1.1\r\nHost: x\r\n\r'), 0)).toBeUndefined();
    expect(findHeadEnd(b(''), 0)).toBeUndefined();
  });

  it('finds the same end however the bytes are split (what arrives in pieces)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', ' ', ':', '\r', '\n', '\r\n'), { maxLength: 40 }),
        (parts) => {
          const buffer = b(parts.join(''));
          const whole = findHeadEnd(buffer, 0);
          for (let cut = 0; cut <= buffer.length; cut++) {
            const early = findHeadEnd(buffer.subarray(0, cut), 0);
            // A prefix either has no end yet or the very same end.
            if (early !== undefined) expect(early).toEqual(whole);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('skipEmptyLines', () => {
  it('skips CR and LF before a request line (e.g. after a POST body)', () => {
    expect(skipEmptyLines(b('\r\n\r\nGET'), 0)).toBe(4);
    expect(skipEmptyLines(b('\nGET'), 0)).toBe(1);
    expect(skipEmptyLines(b('GET'), 0)).toBe(0);
    expect(skipEmptyLines(b('\r\n'), 0)).toBe(2);
  });
});

function head(text: string): RequestHead {
  const parsed = parseRequestHead(text);
  if ('detail' in parsed) throw new Error(parsed.detail);
  return parsed;
}

describe('parseRequestHead', () => {
  it('reads the tolerant request line and re-encodes the target', () => {
    const raw = b('GET /snom/p/incoming?dr=Jörg Müller HTTP/1.1\r\nHost: x').toString('latin1');
    expect(head(Buffer.from(raw, 'latin1').toString('latin1'))).toMatchObject({
      method: 'GET',
      target: '/snom/p/incoming?dr=J%F6rg%20M%FCller',
      version: '1.1',
    });
    const utf8 = Buffer.from('GET /a?dr=Jörg HTTP/1.1\r\nHost: x').toString('latin1');
    expect(head(utf8).target).toBe('/a?dr=J%C3%B6rg');
  });

  it.each([
    ['HTTP/1.1, no Connection', 'GET / HTTP/1.1\r\nHost: x', true],
    ['HTTP/1.1, Connection: close', 'GET / HTTP/1.1\r\nConnection: close', false],
    [
      'HTTP/1.1, Connection: Keep-Alive, Close',
      'GET / HTTP/1.1\r\nconnection: Keep-Alive, Close',
      false,
    ],
    [
      'HTTP/1.1, close in a second Connection header',
      'GET / HTTP/1.1\r\nConnection: TE\r\nConnection: close',
      false,
    ],
    ['HTTP/1.0, no Connection', 'GET / HTTP/1.0', false],
    ['HTTP/1.0, Connection: keep-alive', 'GET / HTTP/1.0\r\nCONNECTION: keep-alive', true],
    ['HTTP/1.0, Connection: upgrade', 'GET / HTTP/1.0\r\nConnection: upgrade', false],
    ['bare LF lines', 'GET / HTTP/1.1\nConnection: close', false],
  ])('keep-alive: %s', (_what, text, keepAlive) => {
    expect(head(text).keepAlive).toBe(keepAlive);
  });

  it('reads the body framing: Content-Length, Transfer-Encoding, Expect', () => {
    expect(head('GET / HTTP/1.1').bodyLength).toBe(0);
    expect(head('POST / HTTP/1.1\r\nContent-Length: 12').bodyLength).toBe(12);
    expect(head('POST / HTTP/1.1\r\ncontent-length:  7 ').bodyLength).toBe(7);
    expect(head('POST / HTTP/1.1\r\nTransfer-Encoding: chunked').bodyLength).toBe('unknown');
    expect(
      head('POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked').bodyLength,
    ).toBe('unknown');
    expect(head('POST / HTTP/1.1\r\nExpect: 100-Continue').expectsContinue).toBe(true);
    expect(head('POST / HTTP/1.1\r\nExpect: nothing').expectsContinue).toBe(false);
  });

  it('ignores every other header and lines without a colon', () => {
    expect(
      head(
        'GET / HTTP/1.1\r\nUser-Agent: snom360\r\nno colon here\r\n' +
          'X-Content-Length: 4\r\nAccept-Encoding: gzip\r\nHostile: \x00\xff',
      ),
    ).toMatchObject({ bodyLength: 0, keepAlive: true, expectsContinue: false });
  });

  it('does not require a Host header, and does not read it', () => {
    expect(head('GET /x HTTP/1.1').target).toBe('/x');
    expect(head('GET /x HTTP/1.1\r\nHost: a\r\nHost: evil/x').target).toBe('/x');
  });

  it.each([
    ['garbage', '\x16\x03\x01 garbage'],
    ['HTTP/2 preface', 'PRI * HTTP/2.0'],
    ['no version', 'GET /'],
    ['a non-numeric Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 1e3'],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1'],
    ['conflicting Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2'],
    // RFC 9112 framing (issue 15): each of these once let a front and this server disagree.
    ['a repeated Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7'],
    ['whitespace before a colon', 'POST / HTTP/1.1\r\nContent-Length : 7'],
    ['a tab before a colon', 'GET / HTTP/1.1\r\nX-Any\t: 1'],
    ['an obs-fold line', 'GET / HTTP/1.1\r\nUser-Agent: snom360\r\n Content-Length: 9'],
    ['an obs-fold line with a tab', 'GET / HTTP/1.1\r\nX: a\r\n\tb'],
    ['a bare CR in a header', 'GET / HTTP/1.1\r\nX: a\rContent-Length: 5'],
    ['a bare CR in the request line', 'GET /a\rb HTTP/1.1\r\nX: a'],
    ['a bare CR ending a header line', 'GET / HTTP/1.1\r\nX: a\r\rY: b'],
  ])('refuses %s with a reason', (_what, text) => {
    const parsed = parseRequestHead(text);
    expect('detail' in parsed && parsed.detail.length > 0).toBe(true);
  });

  it('never throws on arbitrary heads', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const latin1 = Buffer.from(text).toString('latin1');
        const parsed = parseRequestHead(`GET /${latin1}`);
        expect(typeof parsed).toBe('object');
        parseRequestHead(latin1);
      }),
      { numRuns: 3000 },
    );
  });
});
