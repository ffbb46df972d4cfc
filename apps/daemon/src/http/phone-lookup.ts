import { capabilityClassForModel } from '@snomlink/core';
import { presenceOf } from './presence-routes.js';
import type { PhoneView } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { ApiError } from '../errors.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { UNKNOWN_HEALTH, logScanEnabled } from '../phones/phone-manager.js';
import type { AdminAppDeps } from './admin-deps.js';
import { configuredPhone } from '../config/phones-by-id.js';

/** A configured phone as the API shows it: never its password or Action URL secret. */
export function phoneView(deps: AdminAppDeps, phone: PhoneConfig): PhoneView {
  const runtime = deps.phones.get(phone.id);
  return {
    id: phone.id,
    name: phone.name,
    host: phone.host,
    scheme: phone.scheme,
    username: phone.username,
    hasPassword: phone.password !== null && phone.password !== '',
    auth: phone.auth,
    model: phone.model,
    line: phone.line,
    logScan: logScanEnabled(phone),
    provisionOnOpen: phone.provisionOnOpen,
    capabilities: capabilityClassForModel(phone.model),
    webConfigUrl: runtime?.client.webConfigUrl() ?? `${phone.scheme}://${phone.host}/`,
    health: runtime?.health ?? UNKNOWN_HEALTH,
    presence: presenceOf(deps, phone.id),
  };
}

/** The configured phone `id`, or a 404 ApiError. */
export function findPhone(deps: AdminAppDeps, id: string): PhoneConfig {
  const phone = configuredPhone(deps.config.current.phones, id);
  if (phone === undefined) {
    throw new ApiError(404, 'not-found', `no phone with id "${id}"; GET /api/phones lists them`);
  }
  return phone;
}

/** The running phone `id` (client, health), or a 503 ApiError while it is being set up. */
export function phoneClient(
  deps: AdminAppDeps,
  id: string,
): NonNullable<ReturnType<PhoneManager['get']>> {
  const runtime = deps.phones.get(id);
  if (runtime === undefined) {
    throw new ApiError(503, 'phone-starting', `phone ${id} is being set up; retry in a moment`);
  }
  return runtime;
}
