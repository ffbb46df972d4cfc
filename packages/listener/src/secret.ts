import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@snomlink/core';

/**
 * Compares a presented secret with the expected one without an early exit on the first
 * differing byte (core's `constantTimeEqual`, shared by every package): the time depends on the
 * lengths only, never on the expected secret's content, and that length is no secret
 * (`createSecret` makes 32 characters). A missing secret, or an empty expected one, never matches.
 */
export function secretsMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  return constantTimeEqual(presented, expected);
}

/** Creates a random URL-safe secret for a phone's Action URLs (32 base64url characters). */
export function createSecret(): string {
  return randomBytes(24).toString('base64url');
}
