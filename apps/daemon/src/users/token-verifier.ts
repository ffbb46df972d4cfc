import { createHash } from 'node:crypto';
import { userPrincipal } from './principal.js';
import type { Principal } from './principal.js';
import { parseUserToken, verifyTokenSecret } from './token-hash.js';
import type { UserConfig, UserTokenConfig } from './user-schema.js';

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** The users as currently configured (config.json `users`). */
  readonly users: () => readonly UserConfig[];
  /** How long a verified token skips scrypt. Default 60 000 ms. */
  readonly cacheTtlMs?: number;
  /** Most cached tokens. Default 10 000. */
  readonly cacheLimit?: number;
  readonly now?: () => number;
}

/**
 * Resolves user tokens (`slu_<id>_<secret>`) to principals. The id selects the stored hash, so
 * one scrypt runs per unknown token; a verified token is remembered (by its SHA-256) for a short
 * time so an SSE or TAPI client does not cost a scrypt per request. The principal is rebuilt from
 * the current config on every call: a changed scope, a deleted user or a revoked token applies
 * at once, and {@link TokenVerifier.forget} drops the cache too.
 */
export interface TokenVerifier {
  /** The token's principal, or null when it is not a valid, unrevoked user token. */
  verify(token: string): Promise<Principal | null>;
  /** Forgets every cached verification (after a revocation or a user's deletion). */
  forget(): void;
  readonly cacheSize: number;
}

interface Found {
  readonly user: UserConfig;
  readonly token: UserTokenConfig;
}

function find(users: readonly UserConfig[], tokenId: string): Found | null {
  for (const user of users) {
    const token = user.tokens.find((t) => t.id === tokenId);
    if (token !== undefined) return { user, token };
  }
  return null;
}

/** Creates a {@link TokenVerifier}. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const ttl = options.cacheTtlMs ?? 60_000;
  const limit = Math.max(1, options.cacheLimit ?? 10_000);
  const now = options.now ?? Date.now;
  // Keyed by the SHA-256 of the whole token, so no token is kept in clear.
  const cache = new Map<string, { tokenId: string; expiresAt: number }>();
  const inFlight = new Map<string, Promise<string | null>>();
  let generation = 0;

  const check = async (token: string): Promise<string | null> => {
    const parsed = parseUserToken(token);
    if (parsed === null) return null;
    const found = find(options.users(), parsed.id);
    if (found === null) return null;
    return (await verifyTokenSecret(parsed.secret, found.token.hash)) ? parsed.id : null;
  };

  return {
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64');
      const cached = cache.get(key);
      let tokenId: string | null;
      if (cached !== undefined && cached.expiresAt > now()) {
        tokenId = cached.tokenId;
      } else {
        if (cached !== undefined) cache.delete(key);
        let pending = inFlight.get(key);
        if (pending === undefined) {
          const started = generation;
          pending = check(token).then((id) => {
            // A revocation while scrypt ran must not be undone by caching the old answer.
            if (id !== null && started === generation) {
              if (cache.size >= limit) {
                const oldest = cache.keys().next();
                if (oldest.done !== true) cache.delete(oldest.value);
              }
              cache.set(key, { tokenId: id, expiresAt: now() + ttl });
            }
            return id;
          });
          const forgetPending = (): void => {
            inFlight.delete(key);
          };
          pending.then(forgetPending, forgetPending);
          inFlight.set(key, pending);
        }
        tokenId = await pending;
      }
      if (tokenId === null) return null;
      // Always against the current config: revoked or deleted means gone now.
      const found = find(options.users(), tokenId);
      if (found === null) {
        cache.delete(key);
        return null;
      }
      return userPrincipal(found.user, found.token);
    },
    forget() {
      generation++;
      cache.clear();
      inFlight.clear();
    },
    get cacheSize() {
      return cache.size;
    },
  };
}
