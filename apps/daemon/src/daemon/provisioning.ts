import { capabilityClassForModel } from '@snomlink/core';
import { buildActionUrls, removeActionUrls } from '@snomlink/listener';
import type { ProvisionResult } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { provisionPhone } from '../phones/provision.js';

/** Options of {@link createProvisioning}. */
export interface ProvisioningOptions {
  readonly config: ConfigStore;
  readonly phones: Pick<PhoneManager, 'get'>;
  /** The `http://host:port` the phones call back on, as the listener is now. */
  readonly publicBase: () => string;
}

/** Writing and removing the Action URLs on a phone. */
export interface Provisioning {
  /** The Action URL settings of a phone, pointing at the current public base. */
  readonly actionUrls: (phone: PhoneConfig) => Record<string, string>;
  /** The settings that clear a phone's Action URLs. */
  readonly removeUrls: (phone: PhoneConfig) => Record<string, string>;
  /** Writes (or removes) a configured phone's Action URLs and verifies them. */
  readonly provision: (phoneId: string, action?: 'write' | 'remove') => Promise<ProvisionResult>;
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
  return {
    actionUrls,
    removeUrls,
    provision: async (phoneId, action = 'write') => {
      const phone = options.config.current.phones.find((p) => p.id === phoneId);
      const runtime = options.phones.get(phoneId);
      if (phone === undefined || runtime === undefined) throw new Error(`unknown phone ${phoneId}`);
      const settings = action === 'write' ? actionUrls(phone) : removeUrls(phone);
      return provisionPhone(runtime.client, phoneId, settings, action);
    },
  };
}
