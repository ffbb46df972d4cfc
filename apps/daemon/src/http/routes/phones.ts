import { Hono } from 'hono';
import type { Context } from 'hono';
import { capabilityClassForModel } from '@snomlink/core';
import type {
  ActionUrlsView,
  DialResult,
  PhoneTestResult,
  ProvisionResult,
} from '../../api/schemas.js';
import { phoneConfig } from '../../config/config-schema.js';
import type { PhoneConfig } from '../../config/config-schema.js';
import { randomToken } from '../../config/config-store.js';
import { ApiError } from '../../errors.js';
import { toPhoneApiError } from '../../phones/phone-errors.js';
import { provisionPhone } from '../../phones/provision.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { findPhone, phoneClient, phoneView } from '../phone-lookup.js';
import { describe, jsonBody, params, phoneIdParam } from '../route-docs.js';
import { maySeeLine, phoneViewFor, requireControlledLine, requireVisibleLine } from '../scope.js';
import { configuredPhone } from '../../config/phones-by-id.js';

const tag = 'phones';

/** What a dial command carries (to the phone's owner in cluster mode). */
interface DialArgs {
  readonly number: string;
  readonly identity?: string;
}

/** Makes the phone dial (on the daemon that runs the command). */
async function dialHere(deps: AdminAppDeps, phoneId: string, args: DialArgs): Promise<null> {
  const runtime = phoneClient(deps, phoneId);
  try {
    await runtime.client.dial(
      args.number,
      args.identity === undefined ? undefined : { identity: args.identity },
    );
  } catch (error) {
    throw toPhoneApiError(phoneId, `dial ${args.number}`, error);
  }
  return null;
}

/** What a provisioning command carries. */
interface ProvisionArgs {
  readonly action: 'write' | 'remove';
}

/** Writes or empties a phone's Action URLs (on the daemon that runs the command) and logs it. */
async function provisionHere(
  deps: AdminAppDeps,
  phoneId: string,
  args: ProvisionArgs,
): Promise<ProvisionResult> {
  const phone = findPhone(deps, phoneId);
  const action = args.action === 'remove' ? 'remove' : 'write';
  const settings = action === 'write' ? deps.actionUrls(phone) : deps.removeActionUrls(phone);
  const client = phoneClient(deps, phone.id).client;
  const run = (): Promise<ProvisionResult> => provisionPhone(client, phone.id, settings, action);
  // Bounded like the daemon's own provisioning (TAPI's): many API requests at once queue here.
  const result = await (deps.provisionSlots?.run(run) ?? run());
  deps.logger.info(
    {
      phoneId: phone.id,
      ok: result.ok,
      rejected: result.written.filter((w) => !w.accepted).map((w) => w.setting),
    },
    action === 'write' ? 'phone provisioned' : 'phone un-provisioned',
  );
  return result;
}

/** Reaches the phone, logs in and reads its model (on the daemon that runs the command). */
async function testHere(deps: AdminAppDeps, phoneId: string): Promise<PhoneTestResult> {
  phoneClient(deps, phoneId);
  return deps.phones.check(phoneId);
}

/** `/api/phones`: configure phones, test them, provision their Action URLs, dial. */
export function phoneRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();

  app.get(
    '/',
    describe({ tag, summary: 'Configured phones (no passwords)', response: C.PhoneList }),
    (c) =>
      c.json({
        phones: deps.config.current.phones
          .filter((p) => maySeeLine(c, p.id))
          .map((p) => phoneViewFor(c, phoneView(deps, p))),
      }),
  );

  app.post(
    '/',
    describe({
      tag,
      summary: 'Add a phone',
      status: 201,
      response: C.PhoneView,
      errors: [400, 409],
      changesState: true,
    }),
    jsonBody(C.PhoneInput),
    async (c) => {
      const input = c.req.valid('json');
      if (configuredPhone(deps.config.current.phones, input.id) !== undefined) {
        throw new ApiError(
          409,
          'conflict',
          `a phone with id "${input.id}" exists; choose another id or PUT /api/phones/${input.id}`,
        );
      }
      // The schema fills the defaults; only the name (the id) and the secret are the API's own.
      const phone = phoneConfig({
        ...input,
        name: input.name ?? input.id,
        password: input.password === '' ? null : input.password,
        secret: randomToken(18),
      });
      await deps.config.update((cfg) => ({ ...cfg, phones: [...cfg.phones, phone] }));
      deps.logger.info({ phoneId: phone.id, host: phone.host, model: phone.model }, 'phone added');
      return c.json(phoneView(deps, phone), 201);
    },
  );

  app.get(
    '/:id',
    describe({ tag, summary: 'One phone', response: C.PhoneView, errors: [404] }),
    params(phoneIdParam),
    (c) => {
      const id = c.req.valid('param').id;
      requireVisibleLine(c, id);
      return c.json(phoneViewFor(c, phoneView(deps, findPhone(deps, id))));
    },
  );

  app.put(
    '/:id',
    describe({
      tag,
      summary: 'Change a phone (password omitted = kept, null or "" = cleared)',
      response: C.PhoneView,
      errors: [400, 404],
      changesState: true,
    }),
    params(phoneIdParam),
    jsonBody(C.PhoneUpdate),
    async (c) => {
      const id = c.req.valid('param').id;
      findPhone(deps, id);
      const input = c.req.valid('json');
      let updated: PhoneConfig | undefined;
      await deps.config.update((cfg) => ({
        ...cfg,
        phones: cfg.phones.map((p) => {
          if (p.id !== id) return p;
          const next: PhoneConfig = { ...p };
          if (input.name !== undefined) next.name = input.name;
          if (input.host !== undefined) next.host = input.host;
          if (input.scheme !== undefined) next.scheme = input.scheme;
          if (input.username !== undefined) next.username = input.username;
          if (input.password !== undefined)
            next.password = input.password === '' ? null : input.password;
          if (input.auth !== undefined) next.auth = input.auth;
          if (input.model !== undefined) next.model = input.model;
          if (input.line !== undefined) next.line = input.line;
          if (input.logScan !== undefined) next.logScan = input.logScan;
          if (input.provisionOnOpen !== undefined) next.provisionOnOpen = input.provisionOnOpen;
          updated = next;
          return next;
        }),
      }));
      if (updated === undefined) throw new ApiError(404, 'not-found', `no phone with id "${id}"`);
      deps.logger.info({ phoneId: id }, 'phone updated');
      return c.json(phoneView(deps, updated));
    },
  );

  app.delete(
    '/:id',
    describe({ tag, summary: 'Remove a phone', status: 204, errors: [404], changesState: true }),
    params(phoneIdParam),
    async (c) => {
      const id = c.req.valid('param').id;
      findPhone(deps, id);
      await deps.config.update((cfg) => ({
        ...cfg,
        phones: cfg.phones.filter((p) => p.id !== id),
      }));
      deps.logger.info({ phoneId: id }, 'phone removed');
      return c.body(null, 204);
    },
  );

  app.post(
    '/:id/test',
    describe({
      tag,
      summary: 'Reach the phone, log in, read its model',
      response: C.PhoneTestResult,
      errors: [404, 503],
      changesState: true,
    }),
    params(phoneIdParam),
    async (c) => {
      const phone = findPhone(deps, c.req.valid('param').id);
      // Cluster mode: only the phone's owner talks to the phone.
      const result =
        deps.commands === undefined
          ? await testHere(deps, phone.id)
          : ((await deps.commands.run(phone.id, 'test', null)) as PhoneTestResult);
      return c.json(result);
    },
  );

  app.get(
    '/:id/action-urls',
    describe({
      tag,
      summary: 'The Action URL settings provisioning writes (secrets included)',
      response: C.ActionUrlsView,
      errors: [404],
    }),
    params(phoneIdParam),
    (c) => {
      const phone = findPhone(deps, c.req.valid('param').id);
      const body: ActionUrlsView = {
        phoneId: phone.id,
        capabilities: capabilityClassForModel(phone.model),
        urls: deps.actionUrls(phone),
      };
      return c.json(body);
    },
  );

  /** Writes (`write`) or empties (`remove`) a phone's Action URLs and answers the result. */
  const provision = async (
    c: Context,
    id: string,
    action: 'write' | 'remove',
  ): Promise<Response> => {
    const phone = findPhone(deps, id);
    // Cluster mode: the owner writes, with the Action URLs as the shared config has them.
    const result =
      deps.commands === undefined
        ? await provisionHere(deps, phone.id, { action })
        : ((await deps.commands.run(phone.id, 'provision', { action })) as ProvisionResult);
    return c.json(result);
  };
  const provisionErrors = [404, 502, 503, 504];
  app.post(
    '/:id/provision',
    describe({
      tag,
      summary: "Write the Action URLs into the phone's settings and read them back",
      response: C.ProvisionResult,
      errors: provisionErrors,
      changesState: true,
    }),
    params(phoneIdParam),
    (c) => provision(c, c.req.valid('param').id, 'write'),
  );
  app.delete(
    '/:id/provision',
    describe({
      tag,
      summary: "Empty the phone's Action URL settings",
      response: C.ProvisionResult,
      errors: provisionErrors,
      changesState: true,
    }),
    params(phoneIdParam),
    (c) => provision(c, c.req.valid('param').id, 'remove'),
  );

  deps.commands?.handle('dial', (phoneId, args) => dialHere(deps, phoneId, args as DialArgs));
  deps.commands?.handle('provision', (phoneId, args) =>
    provisionHere(deps, phoneId, args as ProvisionArgs),
  );
  deps.commands?.handle('test', (phoneId) => testHere(deps, phoneId));

  app.post(
    '/:id/dial',
    describe({
      tag,
      summary: 'Make the phone dial a number (after the dial rules)',
      response: C.DialResult,
      errors: [400, 404, 422, 502, 503, 504],
      changesState: true,
    }),
    params(phoneIdParam),
    jsonBody(C.DialRequest),
    async (c) => {
      requireControlledLine(c, c.req.valid('param').id);
      const phone = findPhone(deps, c.req.valid('param').id);
      const input = c.req.valid('json');
      const dialable = deps.toDialable(input.number, deps.config.current.dialing);
      if (!dialable.success) {
        throw new ApiError(
          422,
          'invalid-number',
          `cannot dial "${input.number}": ${dialable.issues.map((i) => i.message).join('; ')}`,
        );
      }
      const args: DialArgs = {
        number: dialable.output,
        ...(input.identity === undefined ? {} : { identity: input.identity }),
      };
      if (deps.commands === undefined) await dialHere(deps, phone.id, args);
      else await deps.commands.run(phone.id, 'dial', args);
      deps.logger.info({ phoneId: phone.id, dialed: dialable.output }, 'dial requested');
      const body: DialResult = {
        phoneId: phone.id,
        requested: input.number,
        dialed: dialable.output,
      };
      return c.json(body);
    },
  );

  return app;
}
