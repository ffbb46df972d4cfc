import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { TokenHash } from './user-schema.js';

/** Prefix of every user token: `slu_<id>_<secret>` (snomlink user). */
export const USER_TOKEN_PREFIX = 'slu_';

/**
 * scrypt cost of new tokens: N=2^14, r=8, p=1 (16 MiB, some tens of ms). Tokens carry 256 bits
 * of randomness, so the cost only guards a leaked config; verified tokens are cached briefly.
 */
export const TOKEN_SCRYPT = { N: 16_384, r: 8, p: 1 } as const;

const KEY_LENGTH = 32;

function derive(
  secret: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      secret,
      salt,
      KEY_LENGTH,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (error, key) => {
        if (error === null) resolve(key);
        else reject(error);
      },
    );
  });
}

/** A new token for the token record `id`: the clear text (shown once) and the hash to store. */
export async function createUserToken(
  id: string,
): Promise<{ readonly token: string; readonly hash: TokenHash }> {
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const key = await derive(secret, salt, TOKEN_SCRYPT);
  return {
    token: `${USER_TOKEN_PREFIX}${id}_${secret}`,
    hash: {
      alg: 'scrypt',
      ...TOKEN_SCRYPT,
      salt: salt.toString('base64'),
      hash: key.toString('base64'),
    },
  };
}

/** Splits `slu_<id>_<secret>`; null when the text does not have that shape. */
export function parseUserToken(
  token: string,
): { readonly id: string; readonly secret: string } | null {
  const match = /^slu_([0-9a-f]{8,32})_([A-Za-z0-9_-]{16,128})$/.exec(token);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  return { id: match[1], secret: match[2] };
}

/** Whether `secret` matches the stored hash (scrypt, constant-time compare of the keys). */
export async function verifyTokenSecret(secret: string, stored: TokenHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(secret, Buffer.from(stored.salt, 'base64'), stored);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
