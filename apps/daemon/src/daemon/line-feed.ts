import type { Logger } from 'pino';
import type { ActionEvent, EventHub, LineModel, SnomlinkEvent } from '@snomlink/core';

/** Options of {@link createLineFeed}. */
export interface LineFeedOptions {
  readonly hub: EventHub<SnomlinkEvent>;
  readonly lineModel: Pick<LineModel, 'apply' | 'tick'>;
  readonly logger: Logger;
}

/** What drives the line model: phone events and the clock. */
export interface LineFeed {
  /** Publishes an event on the hub, then applies it; a rejected event is logged, not thrown. */
  apply(event: ActionEvent): void;
  /** Ticks the line model every `ms` (unref'd); returns the function that stops it. */
  startTicking(ms: number): () => void;
}

/** Creates the {@link LineFeed} of a daemon. */
export function createLineFeed(options: LineFeedOptions): LineFeed {
  const { hub, lineModel, logger } = options;
  return {
    apply(event) {
      hub.publish({ type: 'action-event', event });
      try {
        lineModel.apply(event);
      } catch (error) {
        logger.error(
          { err: error, phoneId: event.phoneId, kind: event.kind },
          'line model rejected an event',
        );
      }
    },
    startTicking(ms) {
      const ticker = setInterval(() => {
        try {
          lineModel.tick();
        } catch (error) {
          logger.error({ err: error }, 'line model tick failed');
        }
      }, ms);
      ticker.unref();
      return () => {
        clearInterval(ticker);
      };
    },
  };
}
