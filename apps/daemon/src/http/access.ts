import type { Hono, MiddlewareHandler } from 'hono';
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenUsage } from '../users/token-usage.js';
import type { TokenVerifier } from '../users/token-verifier.js';
import type { UserStore } from '../users/user-store.js';
import { auditRequests } from './audit-middleware.js';
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

/**
 * Puts authentication (admin or user token → principal), the audit of state changes and the
 * route policy (user tokens reach only scoped routes) in front of `/api/*` and `/tapi`, and
 * mounts `/api/me`, `/api/users` and `/api/audit`. Without `access` only the admin token works,
 * as before users existed. Returns the authentication middleware (for `/?token=` sign-in).
 */
export function mountAccess(
  app: Hono,
  adminToken: () => string,
  access: AdminAccess | undefined,
): MiddlewareHandler {
  const auth = authenticate({ adminToken, verifier: access?.verifier, usage: access?.usage });
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
