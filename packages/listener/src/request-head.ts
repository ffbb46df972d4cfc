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
  /** The head has more lines than allowed (answered 431 rather than 400). */
  tooManyLines?: true;
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

/** The most lines a head may have when no limit is given (request line included). */
export const DEFAULT_MAX_HEAD_LINES = 100;

/**
 * Parses a request head (Latin-1 text, one character per byte, without the blank line): the
 * tolerant request line of `parseRequestLine`, and the headers that decide the framing —
 * Connection, Content-Length, Transfer-Encoding and Expect. Nothing else is read, not even Host
 * (which HTTP/1.1 requires): the port serves one site, and an event is not worth losing over a
 * header nobody uses.
 *
 * RFC 9112 framing is strict where a lenient reading lets a front and this server disagree about
 * where a request ends: whitespace before a header's colon, an obs-fold continuation line, a
 * bare CR, and a non-digit or repeated Content-Length are refused (`HeadError`, answered 400).
 *
 * Linear in the head's length whatever its shape: every search (line end, colon, CR) moves
 * forward from where the previous one stopped, so each byte is scanned once per search, and at
 * most `maxLines` lines are read (more → `tooManyLines`, answered 431).
 */
export function parseRequestHead(
  text: string,
  maxLines = DEFAULT_MAX_HEAD_LINES,
): RequestHead | HeadError {
  const length = text.length;
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = length;
  // A CR is allowed only right before a LF (or as the last character: the head's last line end).
  let cr = text.indexOf('\r');
  if (cr < 0) cr = length;
  if (cr >= 0 && cr < lineEnd - 1) return { detail: 'bare CR in the request line' };
  const requestLine = parseRequestLine(
    text.charCodeAt(lineEnd - 1) === 13 ? text.slice(0, lineEnd - 1) : text.slice(0, lineEnd),
  );
  if (requestLine === undefined) return { detail: 'not an HTTP/1.x request line' };

  let connection = '';
  let contentLength: string | undefined;
  let transferEncoding = false;
  let expectsContinue = false;
  let lines = 1;
  let colon = -1;
  let at = lineEnd + 1;
  while (at < length) {
    if (++lines > maxLines) {
      return {
        detail: `more than ${String(maxLines)} lines in the request head`,
        tooManyLines: true,
      };
    }
    let end = text.indexOf('\n', at);
    if (end < 0) end = length;
    if (cr < at) {
      cr = text.indexOf('\r', at);
      if (cr < 0) cr = length; // no CR anywhere after here: never searched again
    }
    if (cr >= 0 && cr < end - 1) return { detail: 'bare CR in a header line' };
    const first = text.charCodeAt(at);
    if (first === 32 || first === 9) return { detail: 'obsolete line folding in the head' };
    if (colon < at) colon = text.indexOf(':', at);
    if (colon < 0) colon = length; // no colon anywhere after here: never searched again
    // Lines without a colon carry nothing this port reads.
    if (colon > at && colon < end) {
      const before = text.charCodeAt(colon - 1);
      if (before === 32 || before === 9) return { detail: 'whitespace before a header colon' };
      const wanted = READ_HEADERS[colon - at];
      if (wanted !== undefined && (first | 0x20) === wanted.charCodeAt(0)) {
        const name = text.slice(at, colon).toLowerCase();
        const value = text.slice(colon + 1, end).trim();
        if (name === 'connection') {
          connection =
            connection === '' ? value.toLowerCase() : `${connection},${value.toLowerCase()}`;
        } else if (name === 'content-length') {
          if (!DIGITS.test(value)) return { detail: 'invalid Content-Length header' };
          if (contentLength !== undefined) return { detail: 'repeated Content-Length header' };
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
