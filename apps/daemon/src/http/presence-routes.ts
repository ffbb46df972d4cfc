import type { Hono } from 'hono';
import { createLinePresence, type LineModel, type LinePresence } from '@snomlink/core';
import { presenceUpdateSchema } from '../api/schemas.js';
import type { LineList, PresenceUpdateResult } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { ApiError } from '../errors.js';
import { writePresence } from '../phones/presence-write.js';
import { component, describe, jsonBody, params, phoneIdParam } from './route-docs.js';
import { lineListSchema, linePresenceSchema, presenceUpdateResultSchema } from '../api/schemas.js';
import type { ConfigStore } from '../config/config-store.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { configuredPhone } from '../config/phones-by-id.js';

/** What the presence routes need of the admin app's dependencies (a subset of AdminAppDeps). */
export interface PresenceRouteDeps {
  readonly config: ConfigStore;
  readonly phones: Pick<PhoneManager, 'get'>;
  readonly lineModel: Pick<LineModel, 'liveCalls' | 'presence' | 'setForwardingTarget'>;
  readonly logger: { info(obj: object, msg?: string): void };
}

/** A line's presence, or the all-unknown one for a line that has reported nothing yet. */
export function presenceOf(deps: Pick<PresenceRouteDeps, 'lineModel'>, id: string): LinePresence {
  return deps.lineModel.presence(id) ?? createLinePresence();
}

function findPhone(deps: PresenceRouteDeps, id: string): PhoneConfig {
  const phone = configuredPhone(deps.config.current.phones, id);
  if (phone === undefined) {
    throw new ApiError(404, 'not-found', `no phone with id "${id}"; GET /api/phones lists them`);
  }
  return phone;
}

/**
 * Mounts `GET /api/lines` (every configured line with its presence and live calls) and
 * `GET|PUT /api/phones/{id}/presence` (read; switch DND / forwarding on the phone over HTTP).
 */
export function mountPresenceRoutes(app: Hono, deps: PresenceRouteDeps): void {
  app.get(
    '/api/lines',
    describe({
      tag: 'presence',
      summary: 'Every line with its presence (DND, forwarding, user, registration) and live calls',
      response: component('LineList', lineListSchema),
    }),
    (c) => {
      const calls = deps.lineModel.liveCalls();
      const body: LineList = {
        lines: deps.config.current.phones.map((p) => ({
          phoneId: p.id,
          name: p.name,
          presence: presenceOf(deps, p.id),
          calls: calls.filter((call) => call.phoneId === p.id),
        })),
      };
      return c.json(body);
    },
  );

  app.get(
    '/api/phones/:id/presence',
    describe({
      tag: 'presence',
      summary: "A line's presence",
      response: component('LinePresence', linePresenceSchema),
      errors: [404],
    }),
    params(phoneIdParam),
    (c) => {
      const phone = findPhone(deps, c.req.valid('param').id);
      return c.json(presenceOf(deps, phone.id));
    },
  );

  app.put(
    '/api/phones/:id/presence',
    describe({
      tag: 'presence',
      summary: 'Switch DND and/or forwarding on the phone (confirmed by its Action URLs)',
      status: 202,
      response: component('PresenceUpdateResult', presenceUpdateResultSchema),
      errors: [400, 404, 502, 503, 504],
      changesState: true,
    }),
    params(phoneIdParam),
    jsonBody(component('PresenceUpdate', presenceUpdateSchema)),
    async (c) => {
      const phone = findPhone(deps, c.req.valid('param').id);
      const update = c.req.valid('json');
      const forwarding = update.forwarding;
      const written = await writePresence(deps, phone.id, {
        ...(update.dnd !== undefined && { dnd: update.dnd }),
        ...(forwarding !== undefined && {
          forwarding: forwarding.enabled
            ? { enabled: true, mode: forwarding.mode, target: forwarding.target ?? '' }
            : { enabled: false },
        }),
      });
      deps.logger.info({ phoneId: phone.id, settings: written }, 'presence written to the phone');
      const body: PresenceUpdateResult = {
        phoneId: phone.id,
        written,
        presence: presenceOf(deps, phone.id),
      };
      return c.json(body, 202);
    },
  );
}
