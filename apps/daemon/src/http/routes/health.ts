import { Hono } from 'hono';
import type { Health } from '../../api/schemas.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus-text.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { clearTokenCookie } from '../auth.js';
import { describe } from '../route-docs.js';

const tag = 'daemon';

/** `/api/health`, `/api/metrics` (when the daemon has metrics) and `/api/sign-out`. */
export function healthRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();

  // Ends the browser session: the cookie is HttpOnly, so only the daemon can clear it.
  app.post(
    '/sign-out',
    describe({
      tag,
      summary: "End the browser session (clears the admin panel's cookie)",
      status: 204,
      changesState: true,
    }),
    (c) => {
      clearTokenCookie(c);
      return c.body(null, 204);
    },
  );

  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.get(
      '/metrics',
      describe({
        tag,
        summary: 'Prometheus metrics',
        media: {
          type: PROMETHEUS_CONTENT_TYPE,
          description: 'Prometheus text exposition format 0.0.4',
        },
      }),
      (c) => c.body(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }),
    );
  }

  app.get(
    '/health',
    describe({ tag, summary: 'Daemon, journal and listener health', response: C.Health }),
    (c) => {
      const counts = deps.phones.healthCounts();
      const total = deps.config.current.phones.length;
      const withRuntime = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const journal = deps.journal.status;
      const listener = deps.listener.status();
      const body: Health = {
        status: journal.ok && listener.state === 'active' ? 'ok' : 'degraded',
        version: deps.version,
        uptimeMs: Date.now() - deps.startedAt,
        demo: deps.demo,
        phones: {
          total,
          reachable: counts.reachable,
          unreachable: counts.unreachable,
          authFailed: counts['auth-failed'],
          // A configured phone without a runtime yet (being added) has not been checked either.
          unknown: total - withRuntime + counts.unknown,
        },
        liveCalls: deps.lineModel.liveCalls().length,
        journal: {
          ok: journal.ok,
          ...(journal.error === undefined ? {} : { error: journal.error }),
          ...(journal.pending > 0 ? { pending: journal.pending } : {}),
          ...(journal.dropped > 0 ? { dropped: journal.dropped } : {}),
        },
        listener,
        ...deps.integrations?.(),
        ...(deps.callerNames === undefined ? {} : { directory: deps.callerNames.health() }),
      };
      return c.json(body);
    },
  );
  return app;
}
