const encoder = new TextEncoder();
/** Scratch space both strings are encoded into: no allocation per compare of usual secrets. */
const scratch = new Uint8Array(1024);

/**
 * Compares two secrets (tokens, Action URL secrets, Digest responses) without an early exit:
 * both are taken as UTF-8 bytes and every byte position up to the longer length is compared,
 * so the time depends on the lengths only, never on where the first difference is. Pure
 * JavaScript, so it runs in browsers and on any runtime (no `node:crypto`); one shared helper
 * instead of a copy per package. Unequal lengths are unequal, and the length itself is no secret
 * here (snomlink's secrets and tokens have a fixed length).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  const room = 3 * (a.length + b.length);
  // Longer input (a hostile header) gets a buffer of its own, so the scratch never grows.
  const buffer = room <= scratch.length ? scratch : new Uint8Array(room);
  const xl = encoder.encodeInto(a, buffer).written;
  const yl = encoder.encodeInto(b, buffer.subarray(xl)).written;
  const length = Math.max(xl, yl);
  let diff = xl ^ yl;
  // Past its end, the shorter string reads as zero bytes (a branch on the lengths only).
  for (let i = 0; i < length; i++) {
    diff |= (i < xl ? (buffer[i] ?? 0) : 0) ^ (i < yl ? (buffer[xl + i] ?? 0) : 0);
  }
  return diff === 0;
}
