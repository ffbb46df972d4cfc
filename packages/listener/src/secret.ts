import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The configured secrets as bytes (few, and they change rarely), so a request converts one. */
const expectedBytes = new Map<string, Buffer>();

/**
 * Compares a presented secret with the expected one in constant time for a given presented
 * length: the bytes are compared with `crypto.timingSafeEqual` when the lengths match; when they
 * do not, the presented bytes are compared with themselves (the same work) and the answer is
 * false. The time depends on the presented length only, never on the expected secret's content;
 * at most the branch on "same length" could show, and that length is no secret (`createSecret`
 * makes 32 characters). Hashing both sides first (SHA-256) would hide even that branch, but it
 * cost about a fifth of the listener's CPU time per event (bench/listener).
 */
export function secretsMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  let wanted = expectedBytes.get(expected);
  if (wanted === undefined) {
    if (expectedBytes.size >= 1000) expectedBytes.clear();
    wanted = Buffer.from(expected, 'utf8');
    expectedBytes.set(expected, wanted);
  }
  const given = Buffer.from(presented, 'utf8');
  if (given.length !== wanted.length) {
    timingSafeEqual(given, given);
    return false;
  }
  return timingSafeEqual(given, wanted);
}

/** Creates a random URL-safe secret for a phone's Action URLs (32 base64url characters). */
export function createSecret(): string {
  return randomBytes(24).toString('base64url');
}
