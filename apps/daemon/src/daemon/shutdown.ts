import type { Logger } from 'pino';

/** The steps of {@link shutDown}, in the order they run. */
export interface ShutdownSteps {
  readonly logger: Logger;
  /**
   * Stops what drives the lines (the backbone's change feed: local ticks; in cluster mode the
   * planned leave that hands the partitions over), once no new input comes.
   */
  readonly stopChanges: () => Promise<void>;
  /** API extensions (the TAPI bridge's WebSockets); a failure is logged and shutdown goes on. */
  readonly onStop?: (() => Promise<void>) | undefined;
  /** The admin API and the Action URL listener, closed together. */
  readonly servers: readonly (() => Promise<void>)[];
  /** MQTT and e-mail: calls finished by now still reach the broker and the mail queue. */
  readonly integrations: () => Promise<void>;
  /** Hub subscriptions, metrics, webhooks, the scan scheduler: synchronous closes. */
  readonly producers: () => void;
  /** Phone health checks and directory lookups, closed together. */
  readonly sources: readonly (() => Promise<void>)[];
  /** Users' last-used times and the audit log (logs what it loses itself). */
  readonly access: () => void;
  /** Closes the journal; returns how many finished calls were not journalled. */
  readonly journal: () => number;
}

/**
 * The daemon's shutdown order: API extensions, then both servers (no new input), then the
 * change feed, the integrations, the producers and the sources, then the stores last, so every call finished
 * before the servers closed is still journalled.
 */
export async function shutDown(steps: ShutdownSteps): Promise<void> {
  const { logger } = steps;
  await steps.onStop?.().catch((error: unknown) => {
    logger.warn({ err: error }, 'stopping the TAPI bridge failed');
  });
  await Promise.all(steps.servers.map((close) => close()));
  await steps.stopChanges().catch((error: unknown) => {
    logger.warn({ err: error }, 'stopping the change feed failed');
  });
  await steps.integrations();
  steps.producers();
  await Promise.all(steps.sources.map((close) => close()));
  steps.access();
  const unwritten = steps.journal();
  if (unwritten > 0)
    logger.error(
      { unwritten },
      `JOURNAL WRITE FAILED at shutdown: ${String(unwritten)} finished calls were not journalled`,
    );
}
