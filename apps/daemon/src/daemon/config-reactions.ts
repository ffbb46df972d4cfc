import type { Logger } from 'pino';
import type { LineModel } from '@snomlink/core';
import type { ConfigStore } from '../config/config-store.js';
import type { Journal } from '../journal/journal.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import type { PhoneIndex } from './phone-index.js';

/** What a config change updates (see {@link reactToConfig}). */
export interface ConfigReactionTargets {
  readonly phoneIndex: PhoneIndex;
  readonly lineModel: Pick<LineModel, 'removePhone' | 'setDialRules'>;
  readonly phones: Pick<PhoneManager, 'sync'>;
  readonly journal: Pick<Journal, 'setRetentionDays'>;
  readonly logger: Logger;
}

/**
 * Applies every saved config change to the running daemon: the listener's phone index, removed
 * phones' lines, the phone manager's clients, dial rules and journal retention. Returns the
 * unsubscribe function.
 */
export function reactToConfig(config: ConfigStore, targets: ConfigReactionTargets): () => void {
  const { phoneIndex, lineModel, phones, journal, logger } = targets;
  return config.onChange((next, previous) => {
    phoneIndex.replace(next.phones);
    if (next.phones !== previous.phones) {
      // A set, not a scan per phone: removing one of 10,000 phones was 10^8 comparisons.
      const kept = new Set(next.phones.map((p) => p.id));
      for (const old of previous.phones) if (!kept.has(old.id)) lineModel.removePhone(old.id);
      void phones.sync(next.phones).catch((error: unknown) => {
        logger.error({ err: error }, 'applying the phone list failed');
      });
    }
    if (JSON.stringify(next.dialing) !== JSON.stringify(previous.dialing))
      lineModel.setDialRules(next.dialing);
    if (next.journal.retentionDays !== previous.journal.retentionDays)
      journal.setRetentionDays(next.journal.retentionDays);
  });
}
