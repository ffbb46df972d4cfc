import { Hono } from 'hono';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { describe, jsonBody } from '../route-docs.js';

const tag = 'dialing';

/** `/api/dialing`: the dial rules that turn what a user types into what a phone dials. */
export function dialingRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  app.get('/', describe({ tag, summary: 'Dial rules', response: C.DialingRules }), (c) =>
    c.json(deps.config.current.dialing),
  );
  app.put(
    '/',
    describe({
      tag,
      summary: 'Replace the dial rules',
      response: C.DialingRules,
      errors: [400],
      changesState: true,
    }),
    jsonBody(C.DialingRules),
    async (c) => {
      const rules = c.req.valid('json');
      await deps.config.update((cfg) => ({ ...cfg, dialing: rules }));
      return c.json(rules);
    },
  );
  return app;
}
