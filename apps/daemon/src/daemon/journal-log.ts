import type { Logger } from 'pino';
import type { JournalOptions } from '../journal/journal.js';

/**
 * The journal's `onOverflow` and `onStatus` hooks that tell the operator, loudly, when finished
 * calls are dropped or cannot be written, and when the journal recovers.
 */
export function journalLogHooks(logger: Logger): Pick<JournalOptions, 'onOverflow' | 'onStatus'> {
  return {
    onOverflow: (dropped, total) => {
      logger.error(
        { dropped, droppedTotal: total },
        `JOURNAL QUEUE FULL: ${String(dropped)} finished calls dropped without being journalled (${String(total)} since start)`,
      );
    },
    onStatus: (status) => {
      if (status.ok)
        logger.warn({ pending: status.pending }, 'journal recovered; pending calls written');
      else
        logger.error(
          { err: status.error, pending: status.pending },
          'JOURNAL WRITE FAILED; calls are kept in memory and retried',
        );
    },
  };
}
