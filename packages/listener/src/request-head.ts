import { parseRequestLine } from './request-target.js';

/** What the phone port needs from one request head; every other header is ignored. */
export interface RequestHead {
  method: string;
  /** The request target, re-encoded to plain ASCII (see `encodeRequestTarget`). */
  target: string;
  version: '1.0' | '1.1';
  /** The client allows this connection to carry another request after this one. */
  keepAlive: boolean;
  /** Body bytes that follow the head: a `Content-Length`, or `unknown` (Transfer-Encoding). */
  bodyLength: number | 'unknown';
  /** `Expect: 100-continue`: the client may be waiting before it sends its body. */
  expectsContinue: boolean;
}

/** A head that cannot be served: answered 400 and the connection closed. */
export interface HeadError {
  detail: string;
}

/** Where the head that starts at `from` ends: `end` excludes the blank line, `next` follows it. */
export interface HeadEnd {
  end: number;
  next: number;
}

/**
 * Finds the end of the request head starting at `from`: the first empty line, with CRLF or bare
 * LF line ends (a server may accept bare LF, RFC 9112 §2.2); `undefined` while it is incomplete.
 */
export function findHeadEnd(buffer: Buffer, from: number): HeadEnd | undefined {
  const last = buffer.length - 1;
  for (let i = from; i < last; i++) {
    if (buffer[i] !== 10) continue;
    const next = buffer[i + 1];
    if (next === 10) return { end: i, next: i + 2 };
    if (next === 13 && buffer[i + 2] === 10) return { end: i, next: i + 3 };
  }
  return undefined;
}

/**
 * Skips the empty lines a client may send before a request line (RFC 9112 §2.2, e.g. a CRLF
 * after a POST body); returns where the request starts.
 */
export function skipEmptyLines(buffer: Buffer, from: number): number {
  let at = from;
  while (at < buffer.length && (buffer[at] === 13 || buffer[at] === 10)) at++;
  return at;
}

const DIGITS = /^\d{1,15}$/;

/** Whether a comma-separated header value (already lower-case) lists `token`. */
function hasToken(value: string, token: string): boolean {
  if (value === token) return true;
  return value.includes(',') && value.split(',').some((part) => part.trim() === token);
}

// The headers read, by name length; any other name is skipped without being cut out.
const READ_HEADERS: Partial<Record<number, string>> = {
  6: 'expect',
  10: 'connection',
  14: 'content-length',
  17: 'transfer-encoding',
};

/**
 * Parses a request head (Latin-1 text, one character per byte, without the blank line): the
 * tolerant request line of `parseRequestLine`, and the headers that decide the framing —
 * Connection, Content-Length, Transfer-Encoding and Expect. Nothing else is read, not even Host
 * (which HTTP/1.1 requires): the port serves one site, and an event is not worth losing over a
 * header nobody uses.
 */
export function parseRequestHead(text: string): RequestHead | HeadError {
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const requestLine = parseRequestLine(
    text.charCodeAt(lineEnd - 1) === 13 ? text.slice(0, lineEnd - 1) : text.slice(0, lineEnd),
  );
  if (requestLine === undefined) return { detail: 'not an HTTP/1.x request line' };

  let connection = '';
  let contentLength: string | undefined;
  let transferEncoding = false;
  let expectsContinue = false;
  let at = lineEnd + 1;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    // Lines without a colon and obsolete line folding carry nothing this port reads.
    if (colon > at && colon < end && text.charCodeAt(at) !== 32 && text.charCodeAt(at) !== 9) {
      const wanted = READ_HEADERS[colon - at];
      if (wanted !== undefined && (text.charCodeAt(at) | 0x20) === wanted.charCodeAt(0)) {
        const name = text.slice(at, colon).toLowerCase();
        const value = text.slice(colon + 1, end).trim();
        if (name === 'connection') {
          connection =
            connection === '' ? value.toLowerCase() : `${connection},${value.toLowerCase()}`;
        } else if (name === 'content-length') {
          if (!DIGITS.test(value)) return { detail: 'invalid Content-Length header' };
          if (contentLength !== undefined && contentLength !== value) {
            return { detail: 'conflicting Content-Length headers' };
          }
          contentLength = value;
        } else if (name === 'transfer-encoding') {
          transferEncoding = true;
        } else if (name === 'expect') {
          expectsContinue = value.toLowerCase() === '100-continue';
        }
      }
    }
    at = end + 1;
  }
  const closes = connection !== '' && hasToken(connection, 'close');
  const keepAlive =
    requestLine.version === '1.1' ? !closes : !closes && hasToken(connection, 'keep-alive');
  return {
    method: requestLine.method,
    target: requestLine.target,
    version: requestLine.version,
    keepAlive,
    bodyLength: transferEncoding ? 'unknown' : Number(contentLength ?? 0),
    expectsContinue,
  };
}
