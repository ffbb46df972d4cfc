import type { Hono, MiddlewareHandler } from 'hono';
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenUsage } from '../users/token-usage.js';
import type { TokenVerifier } from '../users/token-verifier.js';
import type { UserStore } from '../users/user-store.js';
import { auditRequests } from './audit-middleware.js';
import { createAuthThrottle, throttleKey } from './auth-throttle.js';
import type { AuthThrottle } from './auth-throttle.js';
import { authenticate } from './principal-auth.js';
import { routePolicy } from './route-policy.js';
import { auditRoutes } from './routes/audit.js';
import { meRoutes } from './routes/me.js';
import { userRoutes } from './routes/users.js';

/** Users, their tokens and the audit log, as the admin app needs them. */
export interface AdminAccess {
  readonly verifier: TokenVerifier;
  readonly usage: TokenUsage;
  readonly users: UserStore;
  readonly audit: AuditLog;
}

/** Options of {@link mountAccess}. */
export interface MountAccessOptions {
  /**
   * The limit on failed authentications per source address. Default: 10 wrong tokens a minute,
   * then 429 for a minute (see {@link createAuthThrottle}).
   */
  readonly throttle?: AuthThrottle;
}

/**
 * Puts authentication (admin or user token → principal), the audit of state changes and the
 * route policy (user tokens reach only scoped routes) in front of `/api/*` and `/tapi`, and
 * mounts `/api/me`, `/api/users` and `/api/audit`. Without `access` only the admin token works,
 * as before users existed. Wrong tokens are limited per source address (429 with
 * `Retry-After`; the block is audited as `auth.rate-limited`). Returns the authentication
 * middleware (for `/?token=` sign-in).
 */
export function mountAccess(
  app: Hono,
  adminToken: () => string,
  access: AdminAccess | undefined,
  options: MountAccessOptions = {},
): MiddlewareHandler {
  const auth = authenticate({
    adminToken,
    verifier: access?.verifier,
    usage: access?.usage,
    throttle: options.throttle ?? createAuthThrottle(),
    onThrottled: (c, address) => {
      access?.audit.record({
        at: Date.now(),
        actor: '(unauthenticated)',
        userId: null,
        tokenId: null,
        role: 'none',
        address: throttleKey(address),
        action: 'auth.rate-limited',
        request: `${c.req.method} ${c.req.path}`,
        target: null,
        detail: null,
        outcome: 'denied',
        status: 429,
      });
    },
  });
  app.use('/api/*', auth);
  app.use('/tapi', auth);
  if (access !== undefined) app.use('/api/*', auditRequests(access.audit));
  app.use('/api/*', routePolicy());
  app.use('/tapi', routePolicy());
  app.route('/api/me', meRoutes());
  if (access !== undefined) {
    app.route('/api/users', userRoutes(access.users));
    app.route('/api/audit', auditRoutes(access.audit));
  }
  return auth;
}
