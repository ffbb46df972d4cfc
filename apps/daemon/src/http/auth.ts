import { constantTimeEqual } from '@snomlink/core';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ApiError } from '../errors.js';

/** Name of the session cookie set after a `?token=` login. */
export const TOKEN_COOKIE = 'snomlink_token';

/**
 * Compares a presented token with the configured one without an early exit (core's
 * `constantTimeEqual`, shared by every package); an empty configured token never matches.
 */
export function safeEqual(presented: string, expected: string): boolean {
  return expected !== '' && constantTimeEqual(presented, expected);
}

/** The token a request presents: bearer header, then cookie, then `?token=`. */
export function presentedToken(
  c: Context,
): { token: string; via: 'header' | 'cookie' | 'query' } | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match?.[1] !== undefined) return { token: match[1], via: 'header' };
  }
  const cookie = getCookie(c, TOKEN_COOKIE);
  if (cookie !== undefined && cookie !== '') return { token: cookie, via: 'cookie' };
  const query = c.req.query('token');
  if (query !== undefined && query !== '') return { token: query, via: 'query' };
  return null;
}

/** Sets the HttpOnly, SameSite=Strict session cookie. */
export function setTokenCookie(c: Context, token: string): void {
  setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
}

/**
 * Clears the session cookie: `snomlink_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`
 * (same name, path and attributes as {@link setTokenCookie}, so the browser drops it).
 */
export function clearTokenCookie(c: Context): void {
  setCookie(c, TOKEN_COOKIE, '', { maxAge: 0, path: '/', httpOnly: true, sameSite: 'Strict' });
}

/**
 * Requires the admin token. A valid `?token=` sets the cookie, so the browser needs the token
 * in a URL only once. Cross-origin requests are refused before, by `requireSameOrigin`.
 */
export function requireToken(token: () => string): MiddlewareHandler {
  return async (c, next) => {
    const presented = presentedToken(c);
    if (presented === null || !safeEqual(presented.token, token())) {
      c.header('WWW-Authenticate', 'Bearer realm="snomlink"');
      throw new ApiError(
        401,
        'unauthorized',
        presented === null
          ? 'admin token required: send "Authorization: Bearer <token>" or open the admin URL the daemon printed (…/?token=…)'
          : 'wrong admin token; the token is admin.token in the config file',
      );
    }
    if (presented.via === 'query') setTokenCookie(c, presented.token);
    await next();
  };
}
