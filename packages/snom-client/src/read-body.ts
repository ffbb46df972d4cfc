import type { PhoneAnswer } from './auth-fetch.js';

/** Default cap on a phone answer's body: real snom pages are a few kB, logs a few hundred. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Result of {@link readBodyCapped}: the decoded text, or how far it got before the cap. */
export type CappedBody =
  { ok: true; text: string; truncated: boolean } | { ok: false; receivedBytes: number };

/**
 * Reads a response body as UTF-8 text, but stops at `maxBytes`: a `Content-Length` above the cap
 * is refused before reading, and a body that grows past it is cancelled at the chunk that
 * crosses it (the connection is closed, nothing more is buffered). So a 50 MB answer costs one
 * MiB of memory and a few milliseconds, not the whole download.
 *
 * With `keepLastBytes`, only the newest `keepLastBytes` of the body are kept while reading (a
 * phone log grows at its end): memory stays near that size, the result starts at the first line
 * break inside the kept part (no half line, no half UTF-8 character) and `truncated` says so.
 * `maxBytes` still ends the download.
 */
export async function readBodyCapped(
  answer: Pick<PhoneAnswer, 'header' | 'body'>,
  maxBytes: number,
  keepLastBytes?: number,
): Promise<CappedBody> {
  const body = answer.body;
  const declared = Number(answer.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    return { ok: false, receivedBytes: 0 };
  }
  const keep = keepLastBytes ?? Number.POSITIVE_INFINITY;
  const chunks: Uint8Array[] = [];
  let received = 0;
  let kept = 0;
  let dropped = false;
  for await (const value of body) {
    received += value.byteLength;
    if (received > maxBytes) {
      body.destroy();
      return { ok: false, receivedBytes: received };
    }
    chunks.push(value);
    kept += value.byteLength;
    // Drop whole old chunks while the rest still holds `keep` bytes.
    while (chunks.length > 1 && kept - (chunks[0]?.byteLength ?? 0) >= keep) {
      kept -= chunks.shift()?.byteLength ?? 0;
      dropped = true;
    }
  }
  let bytes = Buffer.concat(chunks);
  if (bytes.byteLength > keep) {
    bytes = bytes.subarray(bytes.byteLength - keep);
    dropped = true;
  }
  if (dropped) {
    // Start after the first line break: the cut may have split a line or a UTF-8 character.
    const nl = bytes.indexOf(0x0a);
    if (nl >= 0 && nl < bytes.byteLength - 1) bytes = bytes.subarray(nl + 1);
  }
  return { ok: true, text: new TextDecoder().decode(bytes), truncated: dropped };
}
