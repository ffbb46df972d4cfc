import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { ADMIN_TOKEN_PRINCIPAL } from '../users/principal.js';
import type { Principal } from '../users/principal.js';
import { USER_TOKEN_PREFIX } from '../users/token-hash.js';
import type { TokenUsage } from '../users/token-usage.js';
import type { TokenVerifier } from '../users/token-verifier.js';
import { ApiError } from '../errors.js';
import { presentedToken, requireToken, safeEqual } from './auth.js';
import type { AuthThrottle } from './auth-throttle.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Who the request acts as; set by {@link authenticate} before any route runs. */
    principal: Principal;
  }
}

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** The admin token (config `admin.token`), read on every request so a change applies at once. */
  readonly adminToken: () => string;
  /** Resolves user tokens; without it only the admin token is accepted. */
  readonly verifier?: TokenVerifier | undefined;
  /** Notes each user token's use (last-used time). */
  readonly usage?: TokenUsage | undefined;
  /**
   * Limits failed authentications per source address: a blocked source gets 429 with
   * `Retry-After` before its token is looked at (no scrypt). Without it there is no limit.
   */
  readonly throttle?: AuthThrottle | undefined;
  /** A source was just blocked (called once per block, for the log and the audit). */
  readonly onThrottled?: ((c: Context, address: string) => void) | undefined;
}

/** `address:port` of the client (`[v6]:port` for IPv6), or `unknown` (in-process requests). */
export function clientAddress(c: Context): string {
  try {
    const { remote } = getConnInfo(c);
    if (remote.address === undefined) return 'unknown';
    const host = remote.address.includes(':') ? `[${remote.address}]` : remote.address;
    return remote.port === undefined ? host : `${host}:${String(remote.port)}`;
  } catch {
    return 'unknown';
  }
}

/** The token's principal: the admin token, a valid user token, or null. */
export async function principalForToken(
  token: string,
  options: AuthenticateOptions,
): Promise<Principal | null> {
  if (safeEqual(token, options.adminToken())) return ADMIN_TOKEN_PRINCIPAL;
  if (options.verifier === undefined || !token.startsWith(USER_TOKEN_PREFIX)) return null;
  return options.verifier.verify(token);
}

/**
 * Accepts the admin token or a user token (bearer, cookie, `?token=`), puts the
 * {@link Principal} on the context (`c.get('principal')`) and otherwise behaves like
 * `requireToken`: 401 without a valid token, cross-origin state changes refused, `?token=`
 * sets the session cookie. What the principal may reach is decided after it (route policy and
 * each route's scope checks).
 */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler {
  return async (c, next) => {
    const presented = presentedToken(c);
    const address = clientAddress(c);
    if (presented !== null && options.throttle !== undefined) {
      const wait = options.throttle.retryAfter(address);
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new ApiError(
          429,
          'too-many-failed-logins',
          `too many wrong tokens from this address; try again in ${String(wait)} s`,
        );
      }
    }
    const principal = presented === null ? null : await principalForToken(presented.token, options);
    if (presented !== null && principal === null && options.throttle !== undefined) {
      if (options.throttle.failed(address).blocked) options.onThrottled?.(c, address);
    }
    // requireToken does the 401, the Origin check and the cookie; a user token is "the token"
    // for it once verified here.
    const accepted =
      principal !== null && presented !== null ? presented.token : options.adminToken();
    await requireToken(() => accepted)(c, async () => {
      if (principal === null) throw new ApiError(401, 'unauthorized', 'token required');
      c.set('principal', principal);
      if (principal.tokenId !== null) options.usage?.touch(principal.tokenId, address);
      await next();
    });
  };
}

/** The request's principal (set by {@link authenticate}); 401 when the route was not behind it. */
export function principalOf(c: Context): Principal {
  const principal = c.get('principal') as Principal | undefined;
  if (principal === undefined) throw new ApiError(401, 'unauthorized', 'token required');
  return principal;
}
