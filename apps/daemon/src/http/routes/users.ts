import { Hono } from 'hono';
import { tokenInputSchema, userInputSchema, userUpdateSchema } from '../../users/user-schema.js';
import type { UserStore } from '../../users/user-store.js';
import { jsonBody } from './body.js';

/**
 * `/api/users` (admin only, see route-policy): list, create, change and delete users; create
 * a token (its text is in this one answer only) and revoke one (401 for it from the next request).
 */
export function userRoutes(store: UserStore): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ users: store.list() }));
  app.post('/', async (c) => c.json(await store.create(await jsonBody(c, userInputSchema)), 201));
  app.get('/:id', (c) => c.json(store.get(c.req.param('id'))));
  app.put('/:id', async (c) =>
    c.json(await store.update(c.req.param('id'), await jsonBody(c, userUpdateSchema))),
  );
  app.delete('/:id', async (c) => {
    await store.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  app.post('/:id/tokens', async (c) => {
    const input = await jsonBody(c, tokenInputSchema);
    return c.json(await store.createToken(c.req.param('id'), input.name), 201);
  });
  app.delete('/:id/tokens/:tokenId', async (c) => {
    await store.revokeToken(c.req.param('id'), c.req.param('tokenId'));
    return c.body(null, 204);
  });
  return app;
}
