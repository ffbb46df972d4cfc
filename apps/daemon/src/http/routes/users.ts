import { Hono } from 'hono';
import * as v from 'valibot';
import { tokenInputSchema, userInputSchema, userUpdateSchema } from '../../users/user-schema.js';
import type { UserStore } from '../../users/user-store.js';
import { describe, params } from '../route-docs.js';
import { jsonBody } from './body.js';

const tag = 'users';
const userId = v.object({ id: v.string() });
const tokenRef = v.object({ id: v.string(), tokenId: v.string() });

/**
 * `/api/users` (admin only, see route-policy): list, create, change and delete users; create
 * a token (its text is in this one answer only) and revoke one (401 for it from the next request).
 */
export function userRoutes(store: UserStore): Hono {
  const app = new Hono();
  app.get('/', describe({ tag, summary: 'Users, their scope and tokens (no secrets)' }), (c) =>
    c.json({ users: store.list() }),
  );
  app.post(
    '/',
    describe({
      tag,
      summary: 'Create a user: name, role (viewer, agent, admin), lines to see and control',
      status: 201,
      errors: [400],
      changesState: true,
    }),
    async (c) => c.json(await store.create(await jsonBody(c, userInputSchema)), 201),
  );
  app.get('/:id', describe({ tag, summary: 'One user', errors: [404] }), params(userId), (c) =>
    c.json(store.get(c.req.valid('param').id)),
  );
  app.put(
    '/:id',
    describe({
      tag,
      summary: "Change a user's name, role or lines (applies to its tokens at once)",
      errors: [400, 404],
      changesState: true,
    }),
    params(userId),
    async (c) =>
      c.json(await store.update(c.req.valid('param').id, await jsonBody(c, userUpdateSchema))),
  );
  app.delete(
    '/:id',
    describe({
      tag,
      summary: 'Delete a user and with it its tokens',
      status: 204,
      errors: [404],
      changesState: true,
    }),
    params(userId),
    async (c) => {
      await store.remove(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  app.post(
    '/:id/tokens',
    describe({
      tag,
      summary: 'Create a token for the user; the answer is the only place it is ever shown',
      status: 201,
      errors: [400, 404],
      changesState: true,
    }),
    params(userId),
    async (c) => {
      const input = await jsonBody(c, tokenInputSchema);
      return c.json(await store.createToken(c.req.valid('param').id, input.name), 201);
    },
  );
  app.delete(
    '/:id/tokens/:tokenId',
    describe({
      tag,
      summary: 'Revoke a token: 401 for it from the next request',
      status: 204,
      errors: [404],
      changesState: true,
    }),
    params(tokenRef),
    async (c) => {
      const ref = c.req.valid('param');
      await store.revokeToken(ref.id, ref.tokenId);
      return c.body(null, 204);
    },
  );
  return app;
}
