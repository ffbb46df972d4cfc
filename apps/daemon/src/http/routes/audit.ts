import { Hono } from 'hono';
import * as v from 'valibot';
import type { AuditLog } from '../../audit/audit-log.js';
import { ApiError } from '../../errors.js';
import { describe } from '../route-docs.js';

const auditQuerySchema = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'limit is a number 1-500'))),
  before: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'before is an entry id'))),
});

/** `GET /api/audit?limit&before` (admin only): the audit log, newest first. */
export function auditRoutes(audit: Pick<AuditLog, 'query'>): Hono {
  const app = new Hono();
  app.get(
    '/',
    describe({
      tag: 'users',
      summary: 'The audit log of state-changing actions, newest first (page with `before`)',
      errors: [400, 503],
    }),
    (c) => {
      const q = v.safeParse(auditQuerySchema, c.req.query());
      if (!q.success) {
        const issue = q.issues[0];
        throw new ApiError(
          400,
          'validation',
          `${v.getDotPath(issue) ?? 'query'}: ${issue.message}`,
        );
      }
      const limit = q.output.limit === undefined ? undefined : Number(q.output.limit);
      if (limit !== undefined && (limit < 1 || limit > 500))
        throw new ApiError(
          400,
          'validation',
          `limit: limit is a number 1-500, got ${String(limit)}`,
        );
      try {
        return c.json(
          audit.query({
            ...(limit === undefined ? {} : { limit }),
            ...(q.output.before === undefined ? {} : { before: Number(q.output.before) }),
          }),
        );
      } catch (error) {
        throw new ApiError(
          503,
          'audit-unavailable',
          `the audit log cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
  );
  return app;
}
