import { createSimulatedPhone, fleetHost } from '@snomlink/snom-simulator';
import type { SimulatedPhone, SimulatedPhoneOptions } from '@snomlink/snom-simulator';
import { randomSecret } from './daemon-process.js';
import type { PhoneConfigEntry } from './daemon-process.js';

/** A simulated phone listening on its own loopback address, with its daemon config entry. */
export interface TestPhone {
  readonly phone: SimulatedPhone;
  readonly entry: PhoneConfigEntry;
}

let nextSlot = Math.floor(Math.random() * 2000);

/**
 * Starts simulated phones, each on its own 127.0.x.y address (slots differ between calls so
 * files running one after another never reuse a just-closed address), and returns the
 * config entries that describe them.
 */
export async function startPhones(
  specs: readonly (SimulatedPhoneOptions & { id: string; configModel?: string })[],
): Promise<TestPhone[]> {
  const phones: TestPhone[] = [];
  for (const spec of specs) {
    const { id, configModel, ...options } = spec;
    const phone = createSimulatedPhone({ answerDelayMs: 50, ...options });
    nextSlot = (nextSlot + 1) % 60_000;
    const address = await phone.listen({ host: fleetHost('127.0.0.', 2, 3000 + nextSlot) });
    phones.push({
      phone,
      entry: {
        id,
        name: `Phone ${id}`,
        host: `${address.host}:${address.port}`,
        model: configModel ?? options.model ?? 'snom360',
        secret: randomSecret(),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.password === undefined ? {} : { username: options.username ?? 'admin' }),
      },
    });
  }
  return phones;
}

/** Closes every phone (errors ignored: a test may have closed one already). */
export async function closePhones(phones: readonly TestPhone[]): Promise<void> {
  await Promise.all(phones.map((p) => p.phone.close().catch(() => undefined)));
}
