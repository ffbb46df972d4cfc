import type { ListenerRejection } from '@snomlink/listener';

/** Refused Action URL requests since start, by answer. */
export interface RejectionCount {
  readonly status: number;
  readonly error: string;
  readonly count: number;
}

/** What the daemon does with the listener's refusals. */
export interface ActionUrlRejections {
  /** The listener's `onReject`. */
  record(rejection: ListenerRejection): void;
  /** Counts by status and error code (for `snomlink_action_url_rejections_total`). */
  counts(): readonly RejectionCount[];
}

/** The two pino levels used (a pino `Logger` fits). */
export interface RejectionLogger {
  warn(context: object, message: string): void;
  debug(context: object, message: string): void;
}

/** Options of {@link createActionUrlRejections}. */
export interface ActionUrlRejectionsOptions {
  readonly logger: RejectionLogger;
  /** Whether `phoneId` is a configured phone (only those get a warning). */
  readonly isConfiguredPhone: (phoneId: string) => boolean;
  /** Least time between two warnings about the same phone (default 10 min). */
  readonly warnEveryMs?: number;
  readonly now?: () => number;
}

/** Error codes come from the listener and are few; this bounds the metric's series anyway. */
const MAX_SERIES = 32;

/**
 * Counts the listener's refusals for metrics and tells the operator when a configured phone's
 * events are being refused (a wrong secret after a reset or a copied config, or a request from
 * another address with `checkSourceAddress`): a warning naming the phone and the fix, at most once
 * per `warnEveryMs` per phone, since such a phone keeps sending. Every other refusal (forged or
 * stray traffic) is logged at debug only.
 */
export function createActionUrlRejections(
  options: ActionUrlRejectionsOptions,
): ActionUrlRejections {
  const warnEveryMs = options.warnEveryMs ?? 600_000;
  const now = options.now ?? Date.now;
  const counts = new Map<string, { status: number; error: string; count: number }>();
  const lastWarned = new Map<string, number>();

  function count(status: number, error: string): void {
    // Past the bound, new codes share one `other` series per status (statuses are few).
    const code =
      counts.size < MAX_SERIES || counts.has(`${String(status)} ${error}`) ? error : 'other';
    const key = `${String(status)} ${code}`;
    const row = counts.get(key);
    if (row !== undefined) row.count++;
    else counts.set(key, { status, error: code, count: 1 });
  }

  return {
    record(rejection) {
      count(rejection.status, rejection.error);
      const { phoneId } = rejection;
      const context = {
        status: rejection.status,
        error: rejection.error,
        detail: rejection.detail,
        phoneId,
        remoteAddress: rejection.remoteAddress,
      };
      if (rejection.status === 403 && phoneId !== undefined && options.isConfiguredPhone(phoneId)) {
        const at = now();
        const last = lastWarned.get(phoneId);
        if (last === undefined || at - last >= warnEveryMs) {
          lastWarned.set(phoneId, at);
          options.logger.warn(
            context,
            `phone ${phoneId}: an Action URL was refused (${rejection.detail}); its events are lost until this is fixed — provision the phone again, or check its address`,
          );
          return;
        }
      }
      options.logger.debug(context, 'Action URL request refused');
    },
    counts() {
      return [...counts.values()].map((row) => ({ ...row }));
    },
  };
}
