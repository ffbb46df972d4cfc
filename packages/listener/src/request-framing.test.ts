import { describe, expect, it } from 'vitest';
import { frameRequest } from './request-framing.js';
import type { Frame } from './request-framing.js';

const LIMITS = { maxHeadBytes: 256, maxHeadLines: 8 };

/** A frame reduced to what the table compares. */
function outcome(frame: Frame): unknown {
  switch (frame.type) {
    case 'empty':
      return 'empty';
    case 'partial':
      return `partial from ${String(frame.start)}`;
    case 'refuse':
      return frame.status;
    case 'request':
      return {
        target: frame.head.target,
        next: frame.next,
        skip: frame.bodyToSkip,
        keepAlive: frame.keepAlive,
      };
  }
}

const GET = 'GET /snom/p1/onhook?k=s HTTP/1.1\r\n\r\n';

describe('frameRequest', () => {
  it.each<[string, string, unknown]>([
    [
      'a whole GET',
      GET,
      { target: '/snom/p1/onhook?k=s', next: GET.length, skip: 0, keepAlive: true },
    ],
    [
      'bare LF line ends',
      'GET /a HTTP/1.1\nX: y\n\n',
      { target: '/a', next: 22, skip: 0, keepAlive: true },
    ],
    [
      'empty lines before a request',
      `\r\n\n${GET}`,
      { target: '/snom/p1/onhook?k=s', next: GET.length + 3, skip: 0, keepAlive: true },
    ],
    ['only empty lines', '\r\n\r\n\n', 'empty'],
    ['half a head', 'GET /a HTTP/1.1\r\nHost:', 'partial from 0'],
    ['half a head after empty lines', '\r\nGET /a', 'partial from 2'],
    [
      'two pipelined GETs: the first',
      GET + GET,
      { target: '/snom/p1/onhook?k=s', next: GET.length, skip: 0, keepAlive: true },
    ],
    [
      'Connection: close',
      'GET /a HTTP/1.1\r\nConnection: close\r\n\r\n',
      { target: '/a', next: 38, skip: 0, keepAlive: false },
    ],
    [
      'HTTP/1.0 without keep-alive',
      'GET /a HTTP/1.0\r\n\r\n',
      { target: '/a', next: 19, skip: 0, keepAlive: false },
    ],
    [
      'a body inside the buffer',
      'POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET',
      { target: '/a', next: 42, skip: 0, keepAlive: true },
    ],
    [
      'a body still to come',
      'POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc',
      { target: '/a', next: 43, skip: 7, keepAlive: true },
    ],
    [
      'a chunked body: answer, close',
      'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n',
      { target: '/a', next: 51, skip: 0, keepAlive: false },
    ],
    [
      'a body over 64 KiB: answer, close',
      'POST /a HTTP/1.1\r\nContent-Length: 65537\r\n\r\n',
      { target: '/a', next: 43, skip: 0, keepAlive: false },
    ],
    [
      'Expect: 100-continue: answer, close',
      'POST /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
      { target: '/a', next: 61, skip: 0, keepAlive: false },
    ],
    [
      'raw spaces and UTF-8 in the target',
      'GET /a?dr=J\xc3\xb6rg M HTTP/1.1\r\n\r\n',
      { target: '/a?dr=J%C3%B6rg%20M', next: 30, skip: 0, keepAlive: true },
    ],
    ['garbage', '\x16\x03\x01 hello\r\n\r\n', 400],
    ['a non-digit Content-Length', 'POST /a HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n', 400],
    [
      'a repeated Content-Length',
      'POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab',
      400,
    ],
    ['whitespace before a colon', 'POST /a HTTP/1.1\r\nContent-Length : 1\r\n\r\na', 400],
    ['an obs-fold line', 'GET /a HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 400],
    ['a bare CR', 'GET /a HTTP/1.1\r\nX: a\rY: b\r\n\r\n', 400],
    ['a head over maxHeadBytes', `GET /a HTTP/1.1\r\nX: ${'a'.repeat(300)}\r\n\r\n`, 431],
    ['an unfinished head over maxHeadBytes', `GET /a HTTP/1.1\r\nX: ${'a'.repeat(300)}`, 431],
    ['a request line over maxHeadBytes', `GET /${'a'.repeat(300)}`, 414],
    ['more lines than maxHeadLines', `GET /a HTTP/1.1\r\n${'a\r\n'.repeat(8)}\r\n`, 431],
    [
      'exactly maxHeadLines lines',
      `GET /a HTTP/1.1\r\n${'a\r\n'.repeat(7)}\r\n`,
      { target: '/a', next: 40, skip: 0, keepAlive: true },
    ],
  ])('%s', (_what, bytes, expected) => {
    expect(outcome(frameRequest(Buffer.from(bytes, 'latin1'), 0, LIMITS))).toEqual(expected);
  });

  it('gives the same frame however the bytes arrive, resuming the search where it stopped', () => {
    const whole = Buffer.from(`\r\nGET /a HTTP/1.1\r\nX: y\r\n\nZ: w\r\n\r\nGET`, 'latin1');
    const once = outcome(frameRequest(whole, 0, LIMITS));
    for (let cut = 1; cut < whole.length; cut++) {
      const first = frameRequest(whole.subarray(0, cut), 0, LIMITS);
      const scanned = first.type === 'partial' ? first.scanned : 0;
      expect(outcome(frameRequest(whole, scanned, LIMITS))).toEqual(once);
    }
  });
});
