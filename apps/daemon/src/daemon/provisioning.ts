import { capabilityClassForModel } from '@snomlink/core';
import { buildActionUrls, removeActionUrls } from '@snomlink/listener';
import type { ProvisionResult } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { createLimiter } from '../phones/limiter.js';
import type { Limiter } from '../phones/limiter.js';
import { provisionPhone } from '../phones/provision.js';
import { configuredPhone } from '../config/phones-by-id.js';

/** Options of {@link createProvisioning}. */
export interface ProvisioningOptions {
  readonly config: ConfigStore;
  readonly phones: Pick<PhoneManager, 'get'>;
  /** The `http://host:port` the phones call back on, as the listener is now. */
  readonly publicBase: () => string;
  /** Phones provisioned at the same time (each is a write and a read-back). Default 32. */
  readonly concurrency?: number;
}

/** Writing and removing the Action URLs on a phone. */
export interface Provisioning {
  /** The Action URL settings of a phone, pointing at the current public base. */
  readonly actionUrls: (phone: PhoneConfig) => Record<string, string>;
  /** The settings that clear a phone's Action URLs. */
  readonly removeUrls: (phone: PhoneConfig) => Record<string, string>;
  /** Writes (or removes) a configured phone's Action URLs and verifies them. */
  readonly provision: (phoneId: string, action?: 'write' | 'remove') => Promise<ProvisionResult>;
  /**
   * The slots every provisioning run takes, the API's too: 128 requests at once become 32 phone
   * conversations at a time and a queue, so no phone request times out waiting for the CPU.
   */
  readonly slots: Limiter;
}

/** Creates the {@link Provisioning} of a daemon. */
export function createProvisioning(options: ProvisioningOptions): Provisioning {
  const actionUrls = (phone: PhoneConfig): Record<string, string> =>
    buildActionUrls({
      publicBase: options.publicBase(),
      phoneId: phone.id,
      secret: phone.secret,
      capabilities: capabilityClassForModel(phone.model),
    });
  const removeUrls = (phone: PhoneConfig): Record<string, string> =>
    removeActionUrls(capabilityClassForModel(phone.model));
  const slots = createLimiter(options.concurrency ?? 32);
  return {
    actionUrls,
    removeUrls,
    slots,
    provision: async (phoneId, action = 'write') => {
      const phone = configuredPhone(options.config.current.phones, phoneId);
      const runtime = options.phones.get(phoneId);
      if (phone === undefined || runtime === undefined) throw new Error(`unknown phone ${phoneId}`);
      const settings = action === 'write' ? actionUrls(phone) : removeUrls(phone);
      return slots.run(() => provisionPhone(runtime.client, phoneId, settings, action));
    },
  };
}
