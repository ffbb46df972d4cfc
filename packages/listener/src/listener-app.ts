import type { IncomingMessage } from 'node:http';
import { ACTION_EVENT_KINDS } from '@snomlink/core';
import type { ActionEvent, ActionEventKind } from '@snomlink/core';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { createRateLimiter } from './rate-limiter.js';
import type { RateLimitOptions } from './rate-limiter.js';
import { splitActionQuery, toActionEventParams } from './raw-query.js';
import { secretsMatch } from './secret.js';
import { createSourceChecker } from './source-check.js';

/** A phone the listener accepts Action URLs from. */
export interface ListenerPhone {
  /** The phone id used in the URL path (`/snom/{id}/{event}`). */
  id: string;
  /** The secret the phone sends as `k=`. */
  secret: string;
  /** `address[:port]` of the phone; used only by the optional source-address check. */
  host?: string;
}

/** Options of `createListener` / `createListenerApp`. */
export interface ListenerOptions {
  /** Looks a phone up by the id in the path; called per request, so phones may change at run time. */
  resolvePhone(phoneId: string): ListenerPhone | undefined;
  /** Receives each accepted event, after the 200 answer is on its way. Exceptions are caught. */
  onEvent(event: ActionEvent): void;
  /** Accept a phone's events only from its configured `host` (default false). */
  checkSourceAddress?: boolean;
  /** Per-source token bucket; over the rate → 429. Default false (off). */
  rateLimit?: RateLimitOptions | false;
  /** Longest accepted request target (path + query) in bytes; longer → 414. Default 8192. */
  maxUrlLength?: number;
  /** Clock for `receivedAt` and the rate limiter (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Called when `onEvent` throws or rejects. Default: `console.error`. */
  onCallbackError?: (error: unknown, event: ActionEvent) => void;
}

/** Bindings the app reads the caller's address from: node-server's `incoming`, or our own. */
export interface ListenerBindings {
  /** Set by the tolerant front (and usable from `app.request(url, init, env)` in tests). */
  remoteAddress?: string;
  /** Set by @hono/node-server. */
  incoming?: IncomingMessage;
}

/** Error answer body of every rejection. */
export interface ListenerErrorBody {
  error: string;
  detail: string;
}

/** Default longest accepted request target. */
export const DEFAULT_MAX_URL_LENGTH = 8192;

const KINDS: ReadonlySet<string> = new Set(ACTION_EVENT_KINDS);

function short(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

function remoteAddressOf(env: ListenerBindings | undefined): string | undefined {
  // `app.request(url)` without an env leaves `c.env` undefined at run time.
  if (env === undefined) return undefined;
  return env.remoteAddress ?? env.incoming?.socket.remoteAddress;
}

/**
 * Creates the Hono app that serves `GET /snom/{phoneId}/{event}` (HEAD and POST tolerated):
 * checks limits, phone, secret and values, answers 200 with an empty body and then hands the
 * event to `onEvent`. Usable alone with `app.request()`; `createListener` puts it on a port.
 */
export function createListenerApp(options: ListenerOptions): Hono {
  const now = options.now ?? Date.now;
  // onEvent is typed void, but an async consumer returns a promise whose rejection we catch.
  const consumer: { onEvent(event: ActionEvent): unknown } = options;
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  const limiter =
    options.rateLimit === undefined || options.rateLimit === false
      ? undefined
      : createRateLimiter(options.rateLimit, now);
  const checkSource = options.checkSourceAddress === true ? createSourceChecker(now) : undefined;
  const reportError =
    options.onCallbackError ??
    ((error: unknown, event: ActionEvent): void => {
      console.error(
        `snomlink listener: onEvent failed for ${event.kind} from phone ${event.phoneId}:`,
        error,
      );
    });

  const app = new Hono();

  function reject(
    c: Context,
    status: ContentfulStatusCode,
    error: string,
    detail: string,
  ): Response {
    if (status === 429) c.header('Retry-After', '1');
    return c.json({ error, detail } satisfies ListenerErrorBody, status);
  }

  /** Rate and length limits, common to every request; returns the raw target when they pass. */
  function limits(c: Context): Response | string {
    if (limiter !== undefined) {
      const source = remoteAddressOf(c.env as ListenerBindings | undefined) ?? 'unknown';
      if (!limiter.take(source)) {
        return reject(c, 429, 'too-many-requests', `too many requests from ${source}; slow down`);
      }
    }
    const url = c.req.url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    const target = pathStart < 0 ? '/' : url.slice(pathStart);
    if (target.length > maxUrlLength) {
      return reject(
        c,
        414,
        'uri-too-long',
        `request target is ${String(target.length)} bytes, the limit is ${String(maxUrlLength)} (maxUrlLength)`,
      );
    }
    return target;
  }

  // Accepted events wait here until the answers are written; one setImmediate drains them all,
  // so a slow consumer never delays a phone and a burst costs one timer, not one per event.
  let queue: ActionEvent[] = [];
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
  function deliver(event: ActionEvent): void {
    queue.push(event);
    if (queue.length === 1) setImmediate(drain);
  }

  function accept(c: Context, phoneId: string, kind: ActionEventKind, target: string): Response {
    const q = target.indexOf('?');
    const query = splitActionQuery(q < 0 ? '' : target.slice(q + 1));
    const phone = options.resolvePhone(phoneId);
    if (phone === undefined) {
      return reject(c, 404, 'unknown-phone', `no phone with id "${short(phoneId)}" is configured`);
    }
    if (!secretsMatch(query.secret, phone.secret)) {
      return reject(
        c,
        403,
        'forbidden',
        `wrong or missing secret (k=) for phone "${short(phoneId)}"; rewrite its Action URLs`,
      );
    }
    const params = toActionEventParams(query.values);
    if (!params.success) return reject(c, 400, 'bad-request', params.detail);
    const event: ActionEvent = {
      phoneId: phone.id,
      kind,
      source: 'action-url',
      receivedAt: now(),
      params: params.params,
    };
    deliver(event);
    return new Response(null, { status: 200 });
  }

  function handle(c: Context): Response | Promise<Response> {
    const target = limits(c);
    if (typeof target !== 'string') return target;
    const kind = c.req.param('event') ?? '';
    const phoneId = c.req.param('phoneId') ?? '';
    if (!KINDS.has(kind)) {
      return reject(c, 404, 'unknown-event', `"${short(kind)}" is not an Action URL event`);
    }
    if (checkSource !== undefined) {
      const phone = options.resolvePhone(phoneId);
      if (phone !== undefined) {
        const remote = remoteAddressOf(c.env as ListenerBindings | undefined);
        const denied = (): Response =>
          reject(
            c,
            403,
            'forbidden',
            `requests for phone "${short(phoneId)}" are accepted only from its configured host`,
          );
        if (phone.host === undefined || remote === undefined) return denied();
        const ok = checkSource(phone.host, remote);
        if (ok instanceof Promise) {
          return ok.then((yes) =>
            yes ? accept(c, phoneId, kind as ActionEventKind, target) : denied(),
          );
        }
        if (!ok) return denied();
      }
    }
    return accept(c, phoneId, kind as ActionEventKind, target);
  }

  app.on(['GET', 'POST'], '/snom/:phoneId/:event', handle);
  app.notFound((c) => {
    const target = limits(c);
    if (typeof target !== 'string') return target;
    return reject(c, 404, 'not-found', 'Action URLs look like /snom/{phoneId}/{event}?k={secret}');
  });
  app.onError((error, c) => {
    console.error('snomlink listener: unexpected error', error);
    return c.json({ error: 'internal-error', detail: 'the listener failed; see its log' }, 500);
  });
  return app;
}
