import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { PhoneConfigEntry } from '../../../system/src/harness/daemon-process.js';

// The phone type on its own, so the call load and the observers can name it without importing
// the test cluster (which imports them: a cycle).

/** A simulated phone of the test cluster and its config entry. */
export interface ClusterPhone {
  readonly id: string;
  readonly partition: number;
  readonly phone: SimulatedPhone;
  readonly entry: PhoneConfigEntry;
}
