import { Hono } from 'hono';
import { ApiError } from '../../errors.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { describe, jsonBody } from '../route-docs.js';

const tag = 'listener';

/** `/api/listener`: the phone-facing Action URL receiver: status, start, stop, move. */
export function listenerRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  app.get('/', describe({ tag, summary: 'Listener status', response: C.ListenerStatus }), (c) =>
    c.json(deps.listener.status()),
  );
  app.post(
    '/start',
    describe({
      tag,
      summary: 'Start the listener',
      response: C.ListenerStatus,
      errors: [409],
      changesState: true,
    }),
    async (c) => c.json(await deps.listener.start()),
  );
  app.post(
    '/stop',
    describe({ tag, summary: 'Stop the listener', response: C.ListenerStatus, changesState: true }),
    async (c) => c.json(await deps.listener.stop()),
  );
  app.put(
    '/',
    describe({
      tag,
      summary: 'Move the listener or change its public host',
      response: C.ListenerUpdateResult,
      errors: [400, 409, 501],
      changesState: true,
    }),
    jsonBody(C.ListenerUpdate),
    async (c) => {
      const change = c.req.valid('json');
      if (deps.listener.update === undefined) {
        throw new ApiError(
          501,
          'not-implemented',
          'this daemon cannot change the listener at run time',
        );
      }
      return c.json(await deps.listener.update(change));
    },
  );
  return app;
}
