import type { Context, MiddlewareHandler } from 'hono';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import { clientAddress, principalOf } from './principal-auth.js';

type Detail = AuditRecord['detail'];

interface Action {
  readonly action: string;
  readonly target: string | null;
  /** Which (non-secret) body fields go into `detail`. */
  readonly fields?: readonly string[];
}

/** Names a state-changing request: `dial`, `call.drop`, `phone.provision`, `user.create`, … */
export function auditAction(method: string, path: string): Action | null {
  const p = path
    .split('/')
    .slice(2)
    .map((s) => decodeURIComponent(s));
  const [resource, id, sub, subId] = p;
  switch (resource) {
    case 'sign-out':
      return null;
    case 'phones':
      if (id === undefined)
        return { action: 'phone.create', target: null, fields: ['id', 'host', 'model'] };
      if (sub === undefined)
        return { action: method === 'DELETE' ? 'phone.delete' : 'phone.update', target: id };
      if (sub === 'dial') return { action: 'dial', target: id, fields: ['number', 'identity'] };
      if (sub === 'provision')
        return {
          action: method === 'DELETE' ? 'phone.unprovision' : 'phone.provision',
          target: id,
        };
      return { action: `phone.${sub}`, target: id };
    case 'calls':
      return { action: `call.${sub ?? 'command'}`, target: id ?? null };
    case 'dialing':
    case 'webhooks':
      return { action: `config.${resource}`, target: null };
    case 'listener':
      return { action: id === undefined ? 'listener.update' : `listener.${id}`, target: null };
    case 'users':
      if (id === undefined)
        return { action: 'user.create', target: null, fields: ['name', 'role'] };
      if (sub === 'tokens')
        return subId === undefined
          ? { action: 'token.create', target: id, fields: ['name'] }
          : { action: 'token.revoke', target: `${id}/${subId}` };
      return {
        action: method === 'DELETE' ? 'user.delete' : 'user.update',
        target: id,
        fields: ['name', 'role'],
      };
    default:
      return { action: `${method} ${path}`, target: null };
  }
}

async function bodyDetail(c: Context, fields: readonly string[] | undefined): Promise<Detail> {
  if (fields === undefined) return null;
  try {
    // Hono caches the parsed body, so this is the body the route read (or reads it now).
    const body: unknown = await c.req.json();
    if (typeof body !== 'object' || body === null) return null;
    const detail: Record<string, string | number | boolean | null> = {};
    for (const field of fields) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === 'string') detail[field] = value.slice(0, 200);
      else if (typeof value === 'number' || typeof value === 'boolean') detail[field] = value;
    }
    return Object.keys(detail).length === 0 ? null : detail;
  } catch {
    return null;
  }
}

/**
 * Records every state-changing request (not GET/HEAD) of an authenticated principal in the
 * audit log after it ran: who, from where, what, on which target, and the outcome (refused
 * attempts too).
 */
export function auditRequests(audit: Pick<AuditLog, 'record'>): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return;
    const named = auditAction(c.req.method, c.req.path);
    if (named === null) return;
    const principal = principalOf(c);
    const status = c.res.status;
    audit.record({
      at: Date.now(),
      actor: principal.name,
      userId: principal.userId,
      tokenId: principal.tokenId,
      role: principal.role,
      address: clientAddress(c),
      action: named.action,
      request: `${c.req.method} ${c.req.path}`,
      target: named.target,
      detail: await bodyDetail(c, named.fields),
      outcome: status < 400 ? 'ok' : status === 403 ? 'denied' : 'failed',
      status,
    });
  };
}
