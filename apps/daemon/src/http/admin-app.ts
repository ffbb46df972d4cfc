import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isApiError } from '../errors.js';
import type { AdminAppDeps } from './admin-deps.js';
import { jsonError } from './api-error-body.js';
import { mountAccess } from './access.js';
import { buildOpenApiDocument } from './openapi-document.js';
import type { OpenApiDocument } from './openapi-document.js';
import { directoryRoutes } from './directory-routes.js';
import { createNotifyRoutes } from './notify-routes.js';
import { mountPresenceRoutes } from './presence-routes.js';
import { requireSameOrigin } from './origin.js';
import { describe } from './route-docs.js';
import { callRoutes } from './routes/calls.js';
import { dialingRoutes } from './routes/dialing.js';
import { eventRoutes } from './routes/events.js';
import { clusterRoutes } from './routes/cluster.js';
import { healthRoutes } from './routes/health.js';
import { journalRoutes } from './routes/journal.js';
import { listenerRoutes } from './routes/listener.js';
import { phoneRoutes } from './routes/phones.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createStaticHandler } from './static-files.js';

export type { AdminAppDeps, AppLogger, ListenerControl, MetricsEndpoint } from './admin-deps.js';

/**
 * Builds the admin Hono app: the guards (Origin, token), then one route module per resource
 * under `/api`, the OpenAPI document generated from them, extra routes (`mount`: the TAPI
 * WebSocket) and the static web UI. The app only composes; each resource lives in `routes/`.
 */
export function createAdminApp(deps: AdminAppDeps): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    if (isApiError(error)) {
      if (error.status >= 500)
        deps.logger.warn({ err: error.message, path: c.req.path }, 'api request failed');
      return jsonError(c, error.status, error.code, error.message);
    }
    if (error instanceof HTTPException && error.status === 400) {
      // Hono's body validator: the body is not JSON.
      return jsonError(
        c,
        400,
        'invalid-json',
        `the request body is not valid JSON (${error.message})`,
      );
    }
    deps.logger.error({ err: error, path: c.req.path }, 'unexpected error in admin API');
    return jsonError(c, 500, 'internal', 'unexpected server error; see the daemon log');
  });
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? jsonError(
          c,
          404,
          'not-found',
          `no route ${c.req.method} ${c.req.path}; see /api/openapi.json`,
        )
      : c.text('not found', 404),
  );

  // Guards: Origin first (a cross-site page learns nothing about the token), then the token.
  const adminToken = (): string => deps.config.current.admin.token;
  app.use('/api/*', requireSameOrigin({ adminAddress: deps.adminAddress }));
  app.use('/tapi', requireSameOrigin({ adminAddress: deps.adminAddress, allMethods: true }));
  // The admin token or a user token → the principal; the audit; the route policy (user tokens
  // reach only routes that apply their line scope); /api/me, /api/users, /api/audit.
  const auth = mountAccess(app, adminToken, deps.access);
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  // Resources ----------------------------------------------------------------------------------
  app.route('/api', healthRoutes(deps));
  app.route('/api/phones', phoneRoutes(deps));
  app.route('/api/calls', callRoutes(deps));
  app.route('/api/journal', journalRoutes(deps));
  app.route('/api/dialing', dialingRoutes(deps));
  app.route('/api/webhooks', webhookRoutes(deps));
  app.route('/api/listener', listenerRoutes(deps));
  app.route('/api/events', eventRoutes(deps));
  app.route('/api/cluster', clusterRoutes(deps));
  mountPresenceRoutes(app, deps);
  if (deps.notify !== undefined) app.route('/api/notify', createNotifyRoutes(deps.notify));
  if (deps.callerNames !== undefined)
    app.route('/api/directory', directoryRoutes({ ...deps, callerNames: deps.callerNames }));

  // Generated once, on first request, when every route (including `mount`'s) is in place.
  let document: Promise<OpenApiDocument> | null = null;
  app.get(
    '/api/openapi.json',
    describe({
      tag: 'daemon',
      summary: 'This OpenAPI document',
      media: { type: 'application/json', description: 'OpenAPI 3.1' },
    }),
    async (c) => c.json(await (document ??= buildOpenApiDocument(app, deps.version))),
  );

  deps.mount?.(app);

  // Web UI -------------------------------------------------------------------------------------
  if (deps.webUiDir !== null) {
    const serve = createStaticHandler(deps.webUiDir);
    app.get('*', async (c) => {
      const token = c.req.query('token');
      if (token !== undefined) {
        // `/?token=…` from the printed admin URL: check it, set the cookie, drop it from the URL.
        await auth(c, () => Promise.resolve());
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
      return serve(c);
    });
  }

  return app;
}
