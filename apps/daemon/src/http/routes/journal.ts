import { Hono } from 'hono';
import { ApiError } from '../../errors.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { describe, query } from '../route-docs.js';
import { journalLines } from '../scope.js';

function toInt(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number.parseInt(value, 10);
}

/** `/api/journal`: finished calls, newest first, paged with `before`. */
export function journalRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  app.get(
    '/',
    describe({
      tag: 'journal',
      summary: 'Finished calls, newest first (page with `before` = `nextBefore`)',
      response: C.JournalPage,
      errors: [400, 503],
    }),
    query(C.JournalQuery),
    (c) => {
      const q = c.req.valid('query');
      const limit = toInt(q.limit);
      const before = toInt(q.before);
      // A user token reads only its lines; another line's filter gives an empty page.
      const scope = journalLines(c, q.phone);
      if (scope === null) return c.json({ entries: [], nextBefore: null });
      try {
        return c.json(
          deps.journal.query({
            ...(limit === undefined ? {} : { limit }),
            ...(before === undefined ? {} : { before }),
            ...(q.phone === undefined ? {} : { phoneId: q.phone }),
            ...(scope.phoneIds === undefined ? {} : { phoneIds: scope.phoneIds }),
            ...(q.direction === undefined ? {} : { direction: q.direction }),
            ...(q.missed === undefined ? {} : { missed: q.missed === 'true' }),
            ...(q.q === undefined ? {} : { q: q.q }),
          }),
        );
      } catch (error) {
        throw new ApiError(
          503,
          'journal-unavailable',
          `the journal cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
  );
  return app;
}
