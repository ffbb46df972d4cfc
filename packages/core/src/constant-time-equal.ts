const encoder = new TextEncoder();

/**
 * Compares two secrets (tokens, Action URL secrets, Digest responses) without an early exit:
 * both are taken as UTF-8 bytes and every byte position up to the longer length is compared,
 * so the time depends on the lengths only, never on where the first difference is. Pure
 * JavaScript, so it runs in browsers and on any runtime (no `node:crypto`); one shared helper
 * instead of a copy per package. Unequal lengths are unequal, and the length itself is no secret
 * here (snomlink's secrets and tokens have a fixed length).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const xl = x.length;
  const yl = y.length;
  if (xl === 0 || yl === 0) return xl === yl;
  const length = Math.max(xl, yl);
  let diff = xl ^ yl;
  // Indexing modulo each length keeps every read in bounds (no branch on the content).
  for (let i = 0; i < length; i++) diff |= (x[i % xl] ?? 0) ^ (y[i % yl] ?? 0);
  return diff === 0;
}
