import type { ListenerPhone } from '@snomlink/listener';
import type { PhoneConfig } from '../config/config-schema.js';

/**
 * The configured phones by id, as the listener looks them up on every Action URL request
 * (id, secret, host). Replaced as a whole when the config changes.
 */
export interface PhoneIndex {
  get(id: string): ListenerPhone | undefined;
  has(id: string): boolean;
  /** Replaces the index with these phones. */
  replace(phones: readonly PhoneConfig[]): void;
}

class MapPhoneIndex implements PhoneIndex {
  #byId = new Map<string, ListenerPhone>();

  get(id: string): ListenerPhone | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  replace(phones: readonly PhoneConfig[]): void {
    this.#byId = new Map(phones.map((p) => [p.id, { id: p.id, secret: p.secret, host: p.host }]));
  }
}

/** An index of these phones (see {@link PhoneIndex}). */
export function createPhoneIndex(phones: readonly PhoneConfig[]): PhoneIndex {
  const index = new MapPhoneIndex();
  index.replace(phones);
  return index;
}
