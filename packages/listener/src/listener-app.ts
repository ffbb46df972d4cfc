import { Hono } from 'hono';
import type { Context } from 'hono';
import { INTERNAL_ERROR_BODY, createActionHandler, reportRejection } from './action-handler.js';
import type { ActionHandler, Outcome, Rejection } from './action-handler.js';
import { CONSOLE_LOGGER } from './listener-options.js';
import type { ListenerBindings, ListenerErrorBody, ListenerOptions } from './listener-options.js';

export { DEFAULT_MAX_URL_LENGTH } from './action-handler.js';

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
    if (rejection.status === 429 || rejection.status === 503) c.header('Retry-After', '1');
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
    (options.logger ?? CONSOLE_LOGGER).error('unexpected error', error);
    const remote = remoteAddressOf(c.env as ListenerBindings | undefined);
    reportRejection(
      options.onReject,
      {
        status: 500,
        ...INTERNAL_ERROR_BODY,
        ...(remote === undefined ? {} : { remoteAddress: remote }),
      },
      options.logger,
    );
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
