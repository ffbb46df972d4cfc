import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { UserRole } from '../users/user-schema.js';
import { principalOf } from './principal-auth.js';

/** A route non-admin tokens may reach; the route itself then applies the line scope. */
export interface UserRoute {
  readonly method: string;
  readonly path: RegExp;
  /** Lowest role that may call it: `viewer` (read) or `agent` (dial and call control). */
  readonly role: Exclude<UserRole, 'admin'>;
}

/**
 * The routes user tokens may reach, each of which filters by the token's lines (or, for `agent`
 * routes, checks the control list). Everything else is admin-only: configuration, phones'
 * settings, provisioning, webhooks, users, the audit log, the listener, metrics.
 * A route is added here only together with its scope check, so a new route is admin-only
 * until someone decides otherwise.
 */
export const USER_ROUTES: readonly UserRoute[] = [
  { method: 'GET', path: /^\/api\/me$/, role: 'viewer' },
  { method: 'POST', path: /^\/api\/sign-out$/, role: 'viewer' },
  { method: 'GET', path: /^\/api\/openapi\.json$/, role: 'viewer' },
  // The bridge gets the token's TapiAccess: only its lines, control only on its control lines.
  { method: 'GET', path: /^\/tapi$/, role: 'viewer' },
  // routes/phones.ts: only visible phones (maySeeLine, requireVisibleLine), no login name.
  { method: 'GET', path: /^\/api\/phones$/, role: 'viewer' },
  { method: 'GET', path: /^\/api\/phones\/[^/]+$/, role: 'viewer' },
  // routes/phones.ts: requireControlledLine (404 invisible, 403 watch-only).
  { method: 'POST', path: /^\/api\/phones\/[^/]+\/dial$/, role: 'agent' },
  // routes/calls.ts: visibleCalls; commands 404 for another line's call, requireControlledLine.
  { method: 'GET', path: /^\/api\/calls$/, role: 'viewer' },
  { method: 'POST', path: /^\/api\/calls\/[^/]+\/(drop|answer|hold|unhold)$/, role: 'agent' },
  // routes/journal.ts: journalLines.
  { method: 'GET', path: /^\/api\/journal$/, role: 'viewer' },
  // routes/events.ts: eventsFor (a scoped view of the SSE buffer).
  { method: 'GET', path: /^\/api\/events$/, role: 'viewer' },
  { method: 'GET', path: /^\/api\/events\/recent$/, role: 'viewer' },
  // No line data: the web UI's dial preview needs the rules.
  { method: 'GET', path: /^\/api\/dialing$/, role: 'viewer' },
];

const RANK: Readonly<Record<UserRole, number>> = { viewer: 0, agent: 1, admin: 2 };

/** Whether a principal of `role` may call `method path` (before the route's own scope check). */
export function userMayReach(
  routes: readonly UserRoute[],
  role: UserRole,
  method: string,
  path: string,
): 'yes' | 'role' | 'admin-only' {
  if (role === 'admin') return 'yes';
  const m = method === 'HEAD' ? 'GET' : method;
  const route = routes.find((r) => r.method === m && r.path.test(path));
  if (route === undefined) return 'admin-only';
  return RANK[role] >= RANK[route.role] ? 'yes' : 'role';
}

/**
 * Refuses (403) what a non-admin principal may not reach at all, before any route runs; see
 * {@link USER_ROUTES}.
 */
export function routePolicy(routes: readonly UserRoute[] = USER_ROUTES): MiddlewareHandler {
  return async (c, next) => {
    const principal = principalOf(c);
    const verdict = userMayReach(routes, principal.role, c.req.method, c.req.path);
    if (verdict === 'admin-only')
      throw new ApiError(
        403,
        'forbidden',
        `${c.req.method} ${c.req.path} needs the admin role; this token belongs to ${principal.role} "${principal.name}"`,
      );
    if (verdict === 'role')
      throw new ApiError(
        403,
        'forbidden',
        `a ${principal.role} may not ${c.req.method} ${c.req.path}; it needs the agent role`,
      );
    await next();
  };
}
