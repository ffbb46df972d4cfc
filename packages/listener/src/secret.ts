import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Compares a presented secret with the expected one in constant time: both are hashed first,
 * so neither the content nor the length of the expected secret leaks through timing.
 */
export function secretsMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  let expectedDigest = expectedDigests.get(expected);
  if (expectedDigest === undefined) {
    if (expectedDigests.size >= 1000) expectedDigests.clear();
    expectedDigest = digest(expected);
    expectedDigests.set(expected, expectedDigest);
  }
  return timingSafeEqual(digest(presented), expectedDigest);
}

/** Digests of the configured secrets (few, and they change rarely), so each request hashes once. */
const expectedDigests = new Map<string, Buffer>();

/** Creates a random URL-safe secret for a phone's Action URLs (32 base64url characters). */
export function createSecret(): string {
  return randomBytes(24).toString('base64url');
}
