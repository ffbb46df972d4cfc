import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

/** Options of {@link requireSameOrigin}. */
export interface SameOriginOptions {
  /** The admin server's bound `host:port`; an Origin naming it is same-origin too. */
  readonly adminAddress?: (() => string | null) | undefined;
  /** Check every method (the WebSocket upgrade is a GET), not only POST/PUT/PATCH/DELETE. */
  readonly allMethods?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `host[:port]` as a URL of `scheme` normalises it (lower case, default port dropped), or null. */
function normalHost(scheme: string, hostPort: string): string | null {
  try {
    return new URL(`${scheme}//${hostPort}`).host;
  } catch {
    return null;
  }
}

/**
 * Refuses (403 `forbidden`) a request whose `Origin` is not the admin address itself, so a
 * page on another site, or on another port of this host, cannot drive the admin API or the
 * TAPI WebSocket with the administrator's cookie. Allowed: no `Origin` (curl, the TAPI client,
 * a same-origin GET), or an `http(s)` Origin whose host and port equal the request's `Host`
 * (what the browser addressed) or the address the admin server is bound to. `Origin: null`
 * (sandboxed frames, `file:` pages) is refused.
 */
export function requireSameOrigin(options: SameOriginOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    if (options.allMethods !== true && SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    if (origin === 'null') {
      throw new ApiError(
        403,
        'forbidden',
        'a request with "Origin: null" (a sandboxed frame or a file: page) may not change anything; use the admin panel at its own address',
      );
    }
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
      const allowed = [c.req.header('host'), options.adminAddress?.() ?? undefined]
        .filter((h): h is string => h !== undefined && h !== '')
        .map((h) => normalHost(parsed.protocol, h));
      if (allowed.includes(parsed.host)) return next();
    }
    throw new ApiError(
      403,
      'forbidden',
      `cross-origin request from ${origin} refused: the admin API accepts it only from its own address (open the admin panel there, or send no Origin header)`,
    );
  };
}
