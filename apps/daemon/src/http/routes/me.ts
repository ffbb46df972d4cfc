import { Hono } from 'hono';
import { meView } from '../../users/principal.js';
import { principalOf } from '../principal-auth.js';
import { describe } from '../route-docs.js';

/** `GET /api/me`: who this token is (role, user, lines it may see and control). */
export function meRoutes(): Hono {
  const app = new Hono();
  app.get(
    '/',
    describe({
      tag: 'users',
      summary: 'Who this token is: role, user, lines it may see and control',
    }),
    (c) => c.json(meView(principalOf(c))),
  );
  return app;
}
