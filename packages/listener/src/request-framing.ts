import { findHeadEnd, parseRequestHead, skipEmptyLines } from './request-head.js';
import type { RequestHead } from './request-head.js';

/** The bounds framing checks (the phone port's `maxHeadBytes` and `maxHeadLines`). */
export interface FramingLimits {
  maxHeadBytes: number;
  maxHeadLines: number;
}

/** A body longer than this (or of unknown length) is not read: answered, then closed. */
export const MAX_SKIPPED_BODY_BYTES = 65_536;

/**
 * What the bytes received so far on a connection hold, from the start of the next request:
 * - `empty`: only the empty lines a client may send between requests; drop them all;
 * - `partial`: a head that has not ended yet, from `start`; call again with more bytes, passing
 *   `scanned` so the search for its end resumes where it stopped (linear however it trickles);
 * - `request`: a complete head. The next request starts at `next`, after any body bytes that
 *   were in the buffer; `bodyToSkip` more body bytes are still to come and must be dropped.
 *   `keepAlive` false: answer, then close (the client said so, or the body is not worth reading);
 * - `refuse`: answer `status` with `{ error, detail }` and close.
 */
export type Frame =
  | { type: 'empty' }
  | { type: 'partial'; start: number; scanned: number }
  | { type: 'request'; head: RequestHead; next: number; bodyToSkip: number; keepAlive: boolean }
  | { type: 'refuse'; status: 400 | 414 | 431; error: string; detail: string };

function oversized(buffer: Buffer, start: number, maxHeadBytes: number): Frame {
  const lineEnd = buffer.indexOf(10, start);
  return lineEnd < 0 || lineEnd - start >= maxHeadBytes
    ? { type: 'refuse', status: 414, error: 'uri-too-long', detail: 'request target too long' }
    : { type: 'refuse', status: 431, error: 'headers-too-large', detail: 'request head too large' };
}

/**
 * Frames the next request in `buffer` (pure: the same bytes give the same frame). `scanned` is
 * the `scanned` of the previous `partial` frame of the same bytes (0 at first): the search for the
 * head's end resumes there. Bodies are never read: one of up to `MAX_SKIPPED_BODY_BYTES` with a
 * `Content-Length` is skipped; a chunked, longer or `Expect: 100-continue` one ends the
 * connection after the answer.
 */
export function frameRequest(buffer: Buffer, scanned: number, limits: FramingLimits): Frame {
  const start = skipEmptyLines(buffer, 0);
  if (start === buffer.length) return { type: 'empty' };
  const found = findHeadEnd(buffer, Math.max(start, scanned - 3));
  if (found === undefined) {
    if (buffer.length - start > limits.maxHeadBytes) {
      return oversized(buffer, start, limits.maxHeadBytes);
    }
    return { type: 'partial', start, scanned: buffer.length };
  }
  if (found.end - start > limits.maxHeadBytes) return oversized(buffer, start, limits.maxHeadBytes);
  const head = parseRequestHead(buffer.toString('latin1', start, found.end), limits.maxHeadLines);
  if ('detail' in head) {
    return head.tooManyLines === true
      ? { type: 'refuse', status: 431, error: 'headers-too-large', detail: head.detail }
      : { type: 'refuse', status: 400, error: 'bad-request', detail: head.detail };
  }
  const { bodyLength } = head;
  const rest = buffer.length - found.next;
  if (bodyLength === 0) {
    return { type: 'request', head, next: found.next, bodyToSkip: 0, keepAlive: head.keepAlive };
  }
  if (bodyLength === 'unknown' || bodyLength > MAX_SKIPPED_BODY_BYTES || head.expectsContinue) {
    // Where this body ends is not worth finding out: answer, then close.
    return { type: 'request', head, next: buffer.length, bodyToSkip: 0, keepAlive: false };
  }
  if (bodyLength >= rest) {
    return {
      type: 'request',
      head,
      next: buffer.length,
      bodyToSkip: bodyLength - rest,
      keepAlive: head.keepAlive,
    };
  }
  return {
    type: 'request',
    head,
    next: found.next + bodyLength,
    bodyToSkip: 0,
    keepAlive: head.keepAlive,
  };
}
