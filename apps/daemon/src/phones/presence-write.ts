import type { LineModel } from '@snomlink/core';
import {
  DEFAULT_PRESENCE_SETTINGS,
  presenceSettings,
  type PresenceSettingNames,
  type PresenceWrite,
} from '@snomlink/snom-client';
import type { PhoneConfig } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import { ApiError } from '../errors.js';
import { toPhoneApiError } from './phone-errors.js';
import type { PhoneManager } from './phone-manager.js';
import { configuredPhone } from '../config/phones-by-id.js';

/** What {@link writePresence} needs: the config, the phones' clients and the line model. */
export interface PresenceWriteDeps {
  readonly config: ConfigStore;
  readonly phones: Pick<PhoneManager, 'get'>;
  readonly lineModel: Pick<LineModel, 'setForwardingTarget'>;
}

/** The setting names that switch DND and forwarding on `phone` (config over the defaults). */
export function presenceSettingNames(phone: PhoneConfig): PresenceSettingNames {
  const s = phone.presenceSettings;
  const d = DEFAULT_PRESENCE_SETTINGS;
  if (s === undefined) return d;
  return {
    dnd: s.dnd ?? d.dnd,
    dndValues: { on: s.dndOn ?? d.dndValues.on, off: s.dndOff ?? d.dndValues.off },
    forwardEvent: s.forwardEvent ?? d.forwardEvent,
    forwardEventValues: d.forwardEventValues,
    forwardTarget: {
      always: s.forwardAlways ?? d.forwardTarget.always,
      busy: s.forwardBusy ?? d.forwardTarget.busy,
      timeout: s.forwardTimeout ?? d.forwardTarget.timeout,
    },
  };
}

/**
 * Switches DND and/or forwarding on a phone by writing its settings (stored to flash, so the
 * switch survives a reboot) and records a forwarding target with the line (the phone's Action
 * URLs cannot report it). Returns the setting names written. The phone confirms with its own
 * `dnd-on` / `redirection-on` / … Action URLs; until then the line's presence is unchanged.
 * Throws ApiError: 404 unknown phone, 503 not set up yet, 502/504 the phone failed.
 */
export async function writePresence(
  deps: PresenceWriteDeps,
  phoneId: string,
  change: PresenceWrite,
): Promise<string[]> {
  const phone = configuredPhone(deps.config.current.phones, phoneId);
  if (phone === undefined) {
    throw new ApiError(
      404,
      'not-found',
      `no phone with id "${phoneId}"; GET /api/phones lists them`,
    );
  }
  const runtime = deps.phones.get(phoneId);
  if (runtime === undefined) {
    throw new ApiError(
      503,
      'phone-starting',
      `phone ${phoneId} is being set up; retry in a moment`,
    );
  }
  const settings = presenceSettings(change, presenceSettingNames(phone));
  try {
    await runtime.client.writeSettings(settings, { store: true });
  } catch (error) {
    throw toPhoneApiError(phoneId, 'switch DND / forwarding', error);
  }
  const forwarding = change.forwarding;
  if (forwarding?.enabled === true) {
    deps.lineModel.setForwardingTarget(phoneId, forwarding.mode, forwarding.target);
  }
  return Object.keys(settings);
}
