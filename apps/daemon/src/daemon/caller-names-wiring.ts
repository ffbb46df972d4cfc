import type { Logger } from 'pino';
import type { EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';
import type { ConfigStore } from '../config/config-store.js';
import { createCallerNames } from '../directory/caller-names.js';
import type { CallerNames } from '../directory/caller-names.js';
import type { Journal } from '../journal/journal.js';

/** Options of {@link wireCallerNames}. */
export interface CallerNamesWiringOptions {
  readonly config: ConfigStore;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly logger: Logger;
  readonly lineModel: Pick<LineModel, 'getCall' | 'applyDirectoryName'>;
  readonly journal: Pick<Journal, 'setDirectoryName'>;
}

/**
 * Caller names from the configured directories: looked up in the background, added to a live
 * call as the line model's `directory-name` step, or written to the journal row when the name
 * comes after its call finished. Started by the daemon's `start()`.
 */
export function wireCallerNames(options: CallerNamesWiringOptions): CallerNames {
  const { lineModel, journal } = options;
  return createCallerNames({
    config: options.config,
    hub: options.hub,
    logger: options.logger,
    isLive: (callId) => lineModel.getCall(callId) !== undefined,
    annotate: (found) => {
      lineModel.applyDirectoryName({
        callId: found.callId,
        party: found.party,
        number: found.number,
        name: found.match.name,
      });
    },
    onLateName: (found) => {
      journal.setDirectoryName(found, found.party, found.match.name);
    },
  });
}
