import type { PhoneConfig } from './config-schema.js';

// One index per phone list: the config is immutable (every change makes a new list), so an index
// built at the first lookup stays right until the list is replaced, and is dropped with it.
const indexes = new WeakMap<readonly PhoneConfig[], ReadonlyMap<string, PhoneConfig>>();

/**
 * The phone `id` of this configured phone list (`config.current.phones`), or undefined. A map
 * lookup instead of a scan: with 10,000 phones, every provisioning or presence request scanned
 * the list, so the per-request cost grew with the size of the fleet.
 */
export function configuredPhone(
  phones: readonly PhoneConfig[],
  id: string,
): PhoneConfig | undefined {
  let index = indexes.get(phones);
  if (index === undefined) {
    index = new Map(phones.map((p) => [p.id, p]));
    indexes.set(phones, index);
  }
  return index.get(id);
}
