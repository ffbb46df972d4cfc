import { describe, expect, it } from 'vitest';
import { createSecret, secretsMatch } from './secret.js';

describe('secretsMatch', () => {
  const secret = 's3cr3t-Token_0123456789';

  it('accepts the exact secret, also when compared again (cached bytes)', () => {
    expect(secretsMatch(secret, secret)).toBe(true);
    expect(secretsMatch(secret, secret)).toBe(true);
  });

  it('refuses a different secret of the same length', () => {
    expect(secretsMatch(`${secret.slice(0, -1)}X`, secret)).toBe(false);
    expect(secretsMatch(`X${secret.slice(1)}`, secret)).toBe(false);
  });

  it('refuses shorter, longer, empty and missing secrets', () => {
    expect(secretsMatch(secret.slice(0, -1), secret)).toBe(false);
    expect(secretsMatch(`${secret}0`, secret)).toBe(false);
    expect(secretsMatch('', secret)).toBe(false);
    expect(secretsMatch(undefined, secret)).toBe(false);
  });

  it('never accepts when no secret is configured', () => {
    expect(secretsMatch('', '')).toBe(false);
    expect(secretsMatch('anything', '')).toBe(false);
  });

  it('compares bytes: a non-ASCII secret of the same character count but other bytes fails', () => {
    expect(secretsMatch('ü'.repeat(23), secret)).toBe(false);
    expect(secretsMatch('abcü', 'abcü')).toBe(true);
  });

  it('createSecret makes 32 URL-safe characters that match themselves', () => {
    const made = createSecret();
    expect(made).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secretsMatch(made, made)).toBe(true);
    expect(createSecret()).not.toBe(made);
  });
});
