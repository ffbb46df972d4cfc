/** Default cap on a phone answer's body: real snom pages are a few kB, logs a few hundred. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Result of {@link readBodyCapped}: the decoded text, or how far it got before the cap. */
export type CappedBody = { ok: true; text: string } | { ok: false; receivedBytes: number };

/**
 * Reads a response body as UTF-8 text, but stops at `maxBytes`: a `Content-Length` above the cap
 * is refused before reading, and a body that grows past it is cancelled at the chunk that
 * crosses it (the connection is closed, nothing more is buffered). So a 50 MB answer costs one
 * MiB of memory and a few milliseconds, not the whole download.
 */
export async function readBodyCapped(response: Response, maxBytes: number): Promise<CappedBody> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return { ok: false, receivedBytes: 0 };
  }
  const body = response.body;
  if (body === null) return { ok: true, text: '' };
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return { ok: false, receivedBytes: received };
    }
    chunks.push(value);
  }
  return { ok: true, text: new TextDecoder().decode(Buffer.concat(chunks)) };
}
