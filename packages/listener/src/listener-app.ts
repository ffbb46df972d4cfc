import type { IncomingMessage } from 'node:http';
import type { ActionEvent } from '@snomlink/core';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { INTERNAL_ERROR_BODY, createActionHandler, reportRejection } from './action-handler.js';
import type { ActionHandler, Outcome, Rejection } from './action-handler.js';
import type { RateLimitOptions } from './rate-limiter.js';

export { DEFAULT_MAX_URL_LENGTH } from './action-handler.js';

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
  /**
   * Called for every refused request, after its answer is decided (for metrics and logs). It runs
   * on the request path: keep it cheap. Exceptions are caught and logged.
   */
  onReject?: (rejection: ListenerRejection) => void;
}

/** A refused request, as reported to `onReject`. */
export interface ListenerRejection {
  /** The HTTP status answered (400, 403, 404, 408, 414, 429, 431, 500). */
  status: number;
  /** The `error` of the JSON answer: a short fixed code such as `forbidden` or `unknown-phone`. */
  error: string;
  /** The `detail` of the JSON answer. */
  detail: string;
  /**
   * The phone id from the path, for rejections of `/snom/{phoneId}/…` (403 and 400 only name
   * configured phones; a 404 `unknown-phone` names whatever the request said, cut to 64
   * characters). Never use it as a metric label unless it is a configured phone.
   */
  phoneId?: string;
  /** The caller's address, when known. */
  remoteAddress?: string;
}

/** Bindings the app reads the caller's address from: node-server's `incoming`, or our own. */
export interface ListenerBindings {
  /** Set by the phone server (and usable from `app.request(url, init, env)` in tests). */
  remoteAddress?: string;
  /** Set by @hono/node-server, when the app alone is served that way. */
  incoming?: IncomingMessage;
}

/** Error answer body of every rejection. */
export interface ListenerErrorBody {
  error: string;
  detail: string;
}

/** The caller's address: the phone server's `remoteAddress`, else node-server's socket. */
export function remoteAddressOf(env: ListenerBindings | undefined): string | undefined {
  // `app.request(url)` without an env leaves `c.env` undefined at run time.
  if (env === undefined) return undefined;
  return env.remoteAddress ?? env.incoming?.socket.remoteAddress;
}

/** The app together with the handler it calls (shared with the phone server's fast path). */
export interface ListenerAppParts {
  app: Hono;
  handler: ActionHandler;
}

/** Builds the app and its handler; `createListener` serves both on one port. */
export function buildListenerApp(options: ListenerOptions): ListenerAppParts {
  const handler = createActionHandler(options);
  const app = new Hono();

  function reject(c: Context, rejection: Rejection): Response {
    if (rejection.status === 429) c.header('Retry-After', '1');
    return c.json(
      { error: rejection.error, detail: rejection.detail } satisfies ListenerErrorBody,
      rejection.status,
    );
  }

  function answer(c: Context, outcome: Outcome): Response {
    return outcome === undefined ? new Response(null, { status: 200 }) : reject(c, outcome);
  }

  /** The raw request target (path and query) of the request, as node-server built its URL. */
  function targetOf(c: Context): string {
    const url = c.req.url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    return pathStart < 0 ? '/' : url.slice(pathStart);
  }

  function handle(c: Context): Response | Promise<Response> {
    const target = targetOf(c);
    const remote = (): string | undefined => remoteAddressOf(c.env as ListenerBindings | undefined);
    const refused = handler.limits(target, remote);
    if (refused !== undefined) return reject(c, refused);
    const outcome = handler.event(
      target,
      c.req.param('phoneId') ?? '',
      c.req.param('event') ?? '',
      remote,
    );
    return outcome instanceof Promise ? outcome.then((o) => answer(c, o)) : answer(c, outcome);
  }

  app.on(['GET', 'POST'], '/snom/:phoneId/:event', handle);
  app.notFound((c) =>
    reject(
      c,
      handler.notFound(targetOf(c), () => remoteAddressOf(c.env as ListenerBindings | undefined)),
    ),
  );
  app.onError((error, c) => {
    console.error('snomlink listener: unexpected error', error);
    const remote = remoteAddressOf(c.env as ListenerBindings | undefined);
    reportRejection(options.onReject, {
      status: 500,
      ...INTERNAL_ERROR_BODY,
      ...(remote === undefined ? {} : { remoteAddress: remote }),
    });
    return c.json(INTERNAL_ERROR_BODY, 500);
  });
  return { app, handler };
}

/**
 * Creates the Hono app that serves `GET /snom/{phoneId}/{event}` (HEAD and POST tolerated):
 * checks limits, phone, secret and values, answers 200 with an empty body and then hands the
 * event to `onEvent`. Usable alone with `app.request()`; `createListener` puts it on a port.
 */
export function createListenerApp(options: ListenerOptions): Hono {
  return buildListenerApp(options).app;
}
