import { ACTION_EVENT_KINDS } from '@snomlink/core';
import type { ActionEvent, ActionEventKind } from '@snomlink/core';
import { createAdmission } from './admission.js';
import { createRateLimiter } from './rate-limiter.js';
import { MAX_QUERY_PARTS, splitActionQuery, toActionEventParams } from './raw-query.js';
import { secretsMatch } from './secret.js';
import { createSourceChecker } from './source-check.js';
import { CONSOLE_LOGGER } from './listener-options.js';
import type { ListenerLogger, ListenerOptions, ListenerRejection } from './listener-options.js';

/** Default longest accepted request target. */
export const DEFAULT_MAX_URL_LENGTH = 8192;

/** Why a request was refused: the status and the JSON error body `{ error, detail }`. */
export interface Rejection {
  status: 400 | 403 | 404 | 414 | 429 | 503;
  error: string;
  detail: string;
}

/** `undefined`: the event was accepted (and queued for `onEvent`); else why it was refused. */
export type Outcome = Rejection | undefined;

/**
 * The caller's address, read only when a check or a report needs it: on a raw socket that is a
 * `getpeername` system call, which most requests never need (no rate limit, no source check,
 * not refused).
 */
export type RemoteAddress = () => string | undefined;

/**
 * The listener's decisions, independent of the HTTP layer: both the Hono app and the phone
 * server's fast path (`createListener`) call the same instance, so they answer alike and share
 * the rate limiter and the event queue.
 */
export interface ActionHandler {
  /** Rate and length limits, common to every request (also unknown paths). */
  limits(target: string, remote: RemoteAddress): Rejection | undefined;
  /**
   * A request routed to `/snom/{phoneId}/{event}` whose limits passed: checks event, source,
   * phone, secret and values; queues the event when everything is right.
   * `target` is the raw request target (path and query, still encoded).
   */
  event(
    target: string,
    phoneId: string,
    kind: string,
    remote: RemoteAddress,
  ): Outcome | Promise<Outcome>;
  /** The answer to a path that is not an Action URL: a limit, else `NOT_FOUND`. */
  notFound(target: string, remote: RemoteAddress): Rejection;
}

/** The 404 of a path that is not an Action URL. */
export const NOT_FOUND: Rejection = {
  status: 404,
  error: 'not-found',
  detail: 'Action URLs look like /snom/{phoneId}/{event}?k={secret}',
};

/** The 500 answer when the listener itself fails. */
export const INTERNAL_ERROR_BODY = {
  error: 'internal-error',
  detail: 'the listener failed; see its log',
} as const;

const KINDS: ReadonlySet<string> = new Set(ACTION_EVENT_KINDS);

function short(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

/**
 * Hands a refusal to `onReject` (when given), never letting it disturb the answer: its
 * exceptions are caught and logged.
 */
export function reportRejection(
  onReject: ListenerOptions['onReject'],
  rejection: ListenerRejection,
  logger: ListenerLogger = CONSOLE_LOGGER,
): void {
  if (onReject === undefined) return;
  try {
    onReject(rejection);
  } catch (error) {
    logger.error('onReject failed', error);
  }
}

/** Creates the handler shared by the app and the fast path (see `ActionHandler`). */
export function createActionHandler(options: ListenerOptions): ActionHandler {
  const now = options.now ?? Date.now;
  // onEvent is typed void, but an async consumer returns a promise whose rejection we catch.
  const consumer: { onEvent(event: ActionEvent): unknown } = options;
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const limiter =
    options.rateLimit === undefined || options.rateLimit === false
      ? undefined
      : createRateLimiter(options.rateLimit, now);
  const checkSource = options.checkSourceAddress === true ? createSourceChecker(now) : undefined;
  const logger = options.logger ?? CONSOLE_LOGGER;
  const reportError =
    options.onCallbackError ??
    ((error: unknown, event: ActionEvent): void => {
      logger.error(`onEvent failed for ${event.kind} from phone ${event.phoneId}`, error);
    });

  // Accepted events wait here until the answers are written; one setImmediate drains them all,
  // so a slow consumer never delays a phone and a burst costs one timer, not one per event.
  let queue: ActionEvent[] = [];
  const admission = createAdmission(options);
  function drain(): void {
    const batch = queue;
    queue = [];
    for (const event of batch) {
      try {
        const result = consumer.onEvent(event);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            reportError(error, event);
          });
        }
      } catch (error) {
        reportError(error, event);
      }
    }
  }

  function enqueue(event: ActionEvent): void {
    queue.push(event);
    if (queue.length === 1) setImmediate(drain);
  }

  function accept(
    phoneId: string,
    kind: ActionEventKind,
    target: string,
  ): Outcome | Promise<Outcome> {
    const q = target.indexOf('?');
    const query = splitActionQuery(q < 0 ? '' : target.slice(q + 1));
    if (query.tooManyParts === true) {
      return {
        status: 400,
        error: 'bad-request',
        detail: `the query has more than ${String(MAX_QUERY_PARTS)} parts`,
      };
    }
    const phone = options.resolvePhone(phoneId);
    if (phone === undefined) {
      return {
        status: 404,
        error: 'unknown-phone',
        detail: `no phone with id "${short(phoneId)}" is configured`,
      };
    }
    if (!secretsMatch(query.secret, phone.secret)) {
      return {
        status: 403,
        error: 'forbidden',
        detail: `wrong or missing secret (k=) for phone "${short(phoneId)}"; rewrite its Action URLs`,
      };
    }
    const params = toActionEventParams(query.values);
    if (!params.success) return { status: 400, error: 'bad-request', detail: params.detail };
    const event: ActionEvent = {
      phoneId: phone.id,
      kind,
      source: 'action-url',
      receivedAt: now(),
      params: params.params,
    };
    if (admission === undefined) {
      enqueue(event);
      return undefined;
    }
    return admission.run(event).then((refused) => {
      if (refused === undefined) enqueue(event);
      return refused;
    });
  }

  const { onReject } = options;
  /** Reports a refusal (if any) to `onReject` and passes the outcome on. */
  function reported<O extends Outcome>(outcome: O, remote: RemoteAddress, phoneId?: string): O {
    if (outcome === undefined || onReject === undefined) return outcome;
    const rejection: ListenerRejection = {
      status: outcome.status,
      error: outcome.error,
      detail: outcome.detail,
    };
    if (phoneId !== undefined) rejection.phoneId = short(phoneId);
    const address = remote();
    if (address !== undefined) rejection.remoteAddress = address;
    reportRejection(onReject, rejection, logger);
    return outcome;
  }

  function limits(target: string, remote: RemoteAddress): Rejection | undefined {
    if (limiter !== undefined) {
      const source = remote() ?? 'unknown';
      if (!limiter.take(source)) {
        return {
          status: 429,
          error: 'too-many-requests',
          detail: `too many requests from ${source}; slow down`,
        };
      }
    }
    if (target.length > maxUrlLength) {
      return {
        status: 414,
        error: 'uri-too-long',
        detail: `request target is ${String(target.length)} bytes, the limit is ${String(maxUrlLength)} (maxUrlLength)`,
      };
    }
    return undefined;
  }

  function decide(
    target: string,
    phoneId: string,
    kind: string,
    remote: RemoteAddress,
  ): Outcome | Promise<Outcome> {
    if (!KINDS.has(kind)) {
      return {
        status: 404,
        error: 'unknown-event',
        detail: `"${short(kind)}" is not an Action URL event`,
      };
    }
    if (checkSource !== undefined) {
      const phone = options.resolvePhone(phoneId);
      if (phone !== undefined) {
        const denied: Rejection = {
          status: 403,
          error: 'forbidden',
          detail: `requests for phone "${short(phoneId)}" are accepted only from its configured host`,
        };
        const address = remote();
        if (phone.host === undefined || address === undefined) return denied;
        const ok = checkSource(phone.host, address);
        if (ok instanceof Promise) {
          return ok.then((yes) =>
            yes ? accept(phoneId, kind as ActionEventKind, target) : denied,
          );
        }
        if (!ok) return denied;
      }
    }
    return accept(phoneId, kind as ActionEventKind, target);
  }

  return {
    limits(target, remote) {
      return reported(limits(target, remote), remote);
    },
    event(target, phoneId, kind, remote) {
      const outcome = decide(target, phoneId, kind, remote);
      if (onReject === undefined) return outcome;
      return outcome instanceof Promise
        ? outcome.then((o) => reported(o, remote, phoneId))
        : reported(outcome, remote, phoneId);
    },
    notFound(target, remote) {
      return reported(limits(target, remote) ?? NOT_FOUND, remote);
    },
  };
}
