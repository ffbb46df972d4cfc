import { Hono } from 'hono';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as v from 'valibot';
import { capabilityClassForModel } from '@snomlink/core';
import type { Call, DialRules, LineModel, NumberResult } from '@snomlink/core';
import {
  CALL_COMMANDS,
  dialRequestSchema,
  dialingRulesSchema,
  journalQuerySchema,
  listenerUpdateSchema,
  phoneInputSchema,
  phoneUpdateSchema,
  recentEventsQuerySchema,
  webhookListSchema,
} from '../api/schemas.js';
import type {
  ActionUrlsView,
  CallCommand,
  CallCommandResult,
  DialResult,
  ErrorBody,
  Health,
  ListenerStatus,
  ListenerUpdate,
  ListenerUpdateResult,
  PhoneView,
  RecentEvent,
  RecentEvents,
  SseResyncEvent,
} from '../api/schemas.js';
import { phoneConfig } from '../config/config-schema.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { randomToken } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { ApiError, isApiError } from '../errors.js';
import type { EventBuffer, BufferedEvent } from '../events/event-buffer.js';
import type { Journal } from '../journal/journal.js';
import type { PhoneManager } from '../phones/phone-manager.js';
import { UNKNOWN_HEALTH, logScanEnabled } from '../phones/phone-manager.js';
import { toPhoneApiError } from '../phones/phone-errors.js';
import { provisionPhone } from '../phones/provision.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus-text.js';
import { clearTokenCookie, requireToken } from './auth.js';
import { buildOpenApiDocument } from './openapi.js';
import { mountPresenceRoutes, presenceOf } from './presence-routes.js';
import { createStaticHandler } from './static-files.js';

/** The listener as the admin API controls it. */
export interface ListenerControl {
  status(): ListenerStatus;
  start(): Promise<ListenerStatus>;
  stop(): Promise<ListenerStatus>;
  /**
   * Changes the listener's address and/or public host (`PUT /api/listener`): binds the new
   * address before closing the old one and writes the config only when that worked. Rejects
   * with an ApiError (409 port in use) leaving listener and config as they were. Optional for
   * embedders; without it the route answers 501.
   */
  update?(change: ListenerUpdate): Promise<ListenerUpdateResult>;
}

/** Minimal logger the app writes to (pino fits). */
export interface AppLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What `GET /api/metrics` serves (the daemon's `createDaemonMetrics` fits). */
export interface MetricsEndpoint {
  /** The Prometheus text exposition (version 0.0.4). */
  render(): string;
  /** Counts one SSE `resync` sent to a reader. */
  sseResync(): void;
}

/** Everything the admin API needs, injected so tests can build it in process. */
export interface AdminAppDeps {
  readonly config: ConfigStore;
  readonly phones: PhoneManager;
  readonly lineModel: Pick<LineModel, 'liveCalls' | 'getCall' | 'presence' | 'setForwardingTarget'>;
  readonly journal: Journal;
  readonly events: EventBuffer;
  readonly listener: ListenerControl;
  /** The Action URL settings for a phone (listener's buildActionUrls with the public base). */
  readonly actionUrls: (phone: PhoneConfig) => Record<string, string>;
  /** The same settings with empty values (listener's removeActionUrls). */
  readonly removeActionUrls: (phone: PhoneConfig) => Record<string, string>;
  readonly toDialable: (input: string, rules: DialRules) => NumberResult<string>;
  readonly version: string;
  readonly demo: boolean;
  readonly startedAt: number;
  /** Built web UI directory, or null to serve only the API. */
  readonly webUiDir: string | null;
  /** Interval of SSE keep-alive comments. Default 15000. */
  readonly keepAliveMs?: number;
  /**
   * Most events queued for one SSE reader that is not reading. Past it the queue is emptied
   * and the reader gets one `resync` event (with the lost id range) before the next event.
   * Default 10000.
   */
  readonly sseQueueLimit?: number;
  readonly logger: AppLogger;
  /** Extra routes (the TAPI WebSocket) mounted after auth. */
  readonly mount?: (app: Hono) => void;
  /** Called when an SSE stream opens; returns a function the daemon calls to end it at shutdown. */
  readonly trackStream?: (close: () => void) => () => void;
  /** Serves `GET /api/metrics` (Prometheus text) and counts SSE resyncs; without it, 404. */
  readonly metrics?: MetricsEndpoint;
}

function jsonError(c: Context, status: number, error: string, detail: string): Response {
  const body: ErrorBody = { error, detail };
  return c.json(body, status as 400);
}

async function readBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
): Promise<v.InferOutput<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new ApiError(
      400,
      'invalid-json',
      'the request body must be JSON (content-type: application/json)',
    );
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    throw new ApiError(400, 'validation', `${path === null ? 'body' : path}: ${issue.message}`);
  }
  return result.output;
}

function phoneView(deps: AdminAppDeps, phone: PhoneConfig): PhoneView {
  const runtime = deps.phones.get(phone.id);
  return {
    id: phone.id,
    name: phone.name,
    host: phone.host,
    scheme: phone.scheme,
    username: phone.username,
    hasPassword: phone.password !== null && phone.password !== '',
    auth: phone.auth,
    model: phone.model,
    line: phone.line,
    logScan: logScanEnabled(phone),
    provisionOnOpen: phone.provisionOnOpen,
    capabilities: capabilityClassForModel(phone.model),
    webConfigUrl: runtime?.client.webConfigUrl() ?? `${phone.scheme}://${phone.host}/`,
    health: runtime?.health ?? UNKNOWN_HEALTH,
    presence: presenceOf(deps, phone.id),
  };
}

function findPhone(deps: AdminAppDeps, id: string): PhoneConfig {
  const phone = deps.config.current.phones.find((p) => p.id === id);
  if (phone === undefined) {
    throw new ApiError(404, 'not-found', `no phone with id "${id}"; GET /api/phones lists them`);
  }
  return phone;
}

function phoneClient(deps: AdminAppDeps, id: string): NonNullable<ReturnType<PhoneManager['get']>> {
  const runtime = deps.phones.get(id);
  if (runtime === undefined) {
    throw new ApiError(503, 'phone-starting', `phone ${id} is being set up; retry in a moment`);
  }
  return runtime;
}

function parseQuery<S extends v.GenericSchema>(schema: S, query: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, query);
  if (!result.success) {
    const issue = result.issues[0];
    throw new ApiError(400, 'validation', `${v.getDotPath(issue) ?? 'query'}: ${issue.message}`);
  }
  return result.output;
}

function parsePositiveInt(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number.parseInt(value, 10);
}

async function callCommand(
  deps: AdminAppDeps,
  call: Call,
  command: CallCommand,
): Promise<CallCommandResult> {
  const runtime = phoneClient(deps, call.phoneId);
  const client = runtime.client;
  try {
    switch (command) {
      case 'drop':
        await client.hangUp();
        break;
      case 'answer':
        await client.answer();
        break;
      case 'hold':
        await client.hold();
        break;
      case 'unhold':
        await client.unhold();
        break;
    }
  } catch (error) {
    throw toPhoneApiError(call.phoneId, command, error);
  }
  return { callId: call.id, phoneId: call.phoneId, command };
}

/** Builds the admin Hono app: REST API, SSE, OpenAPI document and the static web UI. */
export function createAdminApp(deps: AdminAppDeps): Hono {
  const app = new Hono();
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  const queueLimit = Math.max(1, deps.sseQueueLimit ?? 10_000);

  app.onError((error, c) => {
    if (isApiError(error)) {
      if (error.status >= 500)
        deps.logger.warn({ err: error.message, path: c.req.path }, 'api request failed');
      return jsonError(c, error.status, error.code, error.message);
    }
    deps.logger.error({ err: error, path: c.req.path }, 'unexpected error in admin API');
    return jsonError(c, 500, 'internal', 'unexpected server error; see the daemon log');
  });
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? jsonError(
          c,
          404,
          'not-found',
          `no route ${c.req.method} ${c.req.path}; see /api/openapi.json`,
        )
      : c.text('not found', 404),
  );

  app.use(
    '/api/*',
    requireToken(() => deps.config.current.admin.token),
  );
  app.use(
    '/tapi',
    requireToken(() => deps.config.current.admin.token),
  );
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  // Ends the browser session: the cookie is HttpOnly, so only the daemon can clear it.
  app.post('/api/sign-out', (c) => {
    clearTokenCookie(c);
    return c.body(null, 204);
  });

  app.get('/api/openapi.json', (c) => c.json(buildOpenApiDocument(deps.version)));

  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.get('/api/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }),
    );
  }

  app.get('/api/health', (c) => {
    const list = deps.phones.list();
    const count = (status: string): number => list.filter((p) => p.health.status === status).length;
    const journal = deps.journal.status;
    const listener = deps.listener.status();
    const body: Health = {
      status: journal.ok && listener.state === 'active' ? 'ok' : 'degraded',
      version: deps.version,
      uptimeMs: Date.now() - deps.startedAt,
      demo: deps.demo,
      phones: {
        total: deps.config.current.phones.length,
        reachable: count('reachable'),
        unreachable: count('unreachable'),
        authFailed: count('auth-failed'),
        unknown: deps.config.current.phones.length - list.length + count('unknown'),
      },
      liveCalls: deps.lineModel.liveCalls().length,
      journal: {
        ok: journal.ok,
        ...(journal.error === undefined ? {} : { error: journal.error }),
        ...(journal.pending > 0 ? { pending: journal.pending } : {}),
        ...(journal.dropped > 0 ? { dropped: journal.dropped } : {}),
      },
      listener,
    };
    return c.json(body);
  });

  // Phones -------------------------------------------------------------------------------------
  app.get('/api/phones', (c) =>
    c.json({ phones: deps.config.current.phones.map((p) => phoneView(deps, p)) }),
  );

  app.post('/api/phones', async (c) => {
    const input = await readBody(c, phoneInputSchema);
    if (deps.config.current.phones.some((p) => p.id === input.id)) {
      throw new ApiError(
        409,
        'conflict',
        `a phone with id "${input.id}" exists; choose another id or PUT /api/phones/${input.id}`,
      );
    }
    // The schema fills the defaults; only the name (the id) and the secret are the API's own.
    const phone = phoneConfig({
      ...input,
      name: input.name ?? input.id,
      password: input.password === '' ? null : input.password,
      secret: randomToken(18),
    });
    await deps.config.update((cfg) => ({ ...cfg, phones: [...cfg.phones, phone] }));
    deps.logger.info({ phoneId: phone.id, host: phone.host, model: phone.model }, 'phone added');
    return c.json(phoneView(deps, phone), 201);
  });

  app.get('/api/phones/:id', (c) => c.json(phoneView(deps, findPhone(deps, c.req.param('id')))));

  app.put('/api/phones/:id', async (c) => {
    const id = c.req.param('id');
    findPhone(deps, id);
    const input = await readBody(c, phoneUpdateSchema);
    let updated: PhoneConfig | undefined;
    await deps.config.update((cfg) => ({
      ...cfg,
      phones: cfg.phones.map((p) => {
        if (p.id !== id) return p;
        const next: PhoneConfig = { ...p };
        if (input.name !== undefined) next.name = input.name;
        if (input.host !== undefined) next.host = input.host;
        if (input.scheme !== undefined) next.scheme = input.scheme;
        if (input.username !== undefined) next.username = input.username;
        if (input.password !== undefined)
          next.password = input.password === '' ? null : input.password;
        if (input.auth !== undefined) next.auth = input.auth;
        if (input.model !== undefined) next.model = input.model;
        if (input.line !== undefined) next.line = input.line;
        if (input.logScan !== undefined) next.logScan = input.logScan;
        if (input.provisionOnOpen !== undefined) next.provisionOnOpen = input.provisionOnOpen;
        updated = next;
        return next;
      }),
    }));
    if (updated === undefined) throw new ApiError(404, 'not-found', `no phone with id "${id}"`);
    deps.logger.info({ phoneId: id }, 'phone updated');
    return c.json(phoneView(deps, updated));
  });

  app.delete('/api/phones/:id', async (c) => {
    const id = c.req.param('id');
    findPhone(deps, id);
    await deps.config.update((cfg) => ({ ...cfg, phones: cfg.phones.filter((p) => p.id !== id) }));
    deps.logger.info({ phoneId: id }, 'phone removed');
    return c.body(null, 204);
  });

  app.post('/api/phones/:id/test', async (c) => {
    const phone = findPhone(deps, c.req.param('id'));
    phoneClient(deps, phone.id);
    return c.json(await deps.phones.check(phone.id));
  });

  app.get('/api/phones/:id/action-urls', (c) => {
    const phone = findPhone(deps, c.req.param('id'));
    const body: ActionUrlsView = {
      phoneId: phone.id,
      capabilities: capabilityClassForModel(phone.model),
      urls: deps.actionUrls(phone),
    };
    return c.json(body);
  });

  /** Writes (`write`) or empties (`remove`) a phone's Action URLs, logs and answers the result. */
  const provisionRoute =
    (action: 'write' | 'remove') =>
    async (c: Context): Promise<Response> => {
      const phone = findPhone(deps, c.req.param('id') ?? '');
      const settings = action === 'write' ? deps.actionUrls(phone) : deps.removeActionUrls(phone);
      const result = await provisionPhone(
        phoneClient(deps, phone.id).client,
        phone.id,
        settings,
        action,
      );
      deps.logger.info(
        {
          phoneId: phone.id,
          ok: result.ok,
          rejected: result.written.filter((w) => !w.accepted).map((w) => w.setting),
        },
        action === 'write' ? 'phone provisioned' : 'phone un-provisioned',
      );
      return c.json(result);
    };
  app.post('/api/phones/:id/provision', provisionRoute('write'));
  app.delete('/api/phones/:id/provision', provisionRoute('remove'));

  app.post('/api/phones/:id/dial', async (c) => {
    const phone = findPhone(deps, c.req.param('id'));
    const input = await readBody(c, dialRequestSchema);
    const dialable = deps.toDialable(input.number, deps.config.current.dialing);
    if (!dialable.success) {
      throw new ApiError(
        422,
        'invalid-number',
        `cannot dial "${input.number}": ${dialable.issues.map((i) => i.message).join('; ')}`,
      );
    }
    const runtime = phoneClient(deps, phone.id);
    try {
      await runtime.client.dial(
        dialable.output,
        input.identity === undefined ? undefined : { identity: input.identity },
      );
    } catch (error) {
      throw toPhoneApiError(phone.id, `dial ${dialable.output}`, error);
    }
    deps.logger.info({ phoneId: phone.id, dialed: dialable.output }, 'dial requested');
    const body: DialResult = {
      phoneId: phone.id,
      requested: input.number,
      dialed: dialable.output,
    };
    return c.json(body);
  });

  // Calls --------------------------------------------------------------------------------------
  mountPresenceRoutes(app, deps);

  app.get('/api/calls', (c) => c.json({ calls: deps.lineModel.liveCalls() }));

  app.post('/api/calls/:callId/:command', async (c) => {
    const command = c.req.param('command');
    if (!(CALL_COMMANDS as readonly string[]).includes(command)) {
      throw new ApiError(
        404,
        'not-found',
        `unknown call command "${command}"; use ${CALL_COMMANDS.join(', ')}`,
      );
    }
    const callId = c.req.param('callId');
    const call = deps.lineModel.getCall(callId);
    if (call === undefined) {
      throw new ApiError(
        404,
        'not-found',
        `no live call with id "${callId}"; GET /api/calls lists them`,
      );
    }
    const result = await callCommand(deps, call, command as CallCommand);
    deps.logger.info({ phoneId: call.phoneId, callId, command }, 'call command');
    return c.json(result);
  });

  // Journal ------------------------------------------------------------------------------------
  app.get('/api/journal', (c) => {
    const q = parseQuery(journalQuerySchema, c.req.query());
    const limit = parsePositiveInt(q.limit);
    const before = parsePositiveInt(q.before);
    try {
      return c.json(
        deps.journal.query({
          ...(limit === undefined ? {} : { limit }),
          ...(before === undefined ? {} : { before }),
          ...(q.phone === undefined ? {} : { phoneId: q.phone }),
          ...(q.direction === undefined ? {} : { direction: q.direction }),
          ...(q.missed === undefined ? {} : { missed: q.missed === 'true' }),
          ...(q.q === undefined ? {} : { q: q.q }),
        }),
      );
    } catch (error) {
      throw new ApiError(
        503,
        'journal-unavailable',
        `the journal cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  });

  // Dialing rules, webhooks --------------------------------------------------------------------
  app.get('/api/dialing', (c) => c.json(deps.config.current.dialing));
  app.put('/api/dialing', async (c) => {
    const rules = await readBody(c, dialingRulesSchema);
    await deps.config.update((cfg) => ({ ...cfg, dialing: rules }));
    return c.json(rules);
  });
  app.get('/api/webhooks', (c) => c.json({ webhooks: deps.config.current.webhooks }));
  app.put('/api/webhooks', async (c) => {
    const body = await readBody(c, webhookListSchema);
    await deps.config.update((cfg) => ({ ...cfg, webhooks: body.webhooks }));
    return c.json(body);
  });

  // Listener -----------------------------------------------------------------------------------
  app.get('/api/listener', (c) => c.json(deps.listener.status()));
  app.post('/api/listener/start', async (c) => c.json(await deps.listener.start()));
  app.post('/api/listener/stop', async (c) => c.json(await deps.listener.stop()));
  app.put('/api/listener', async (c) => {
    const change = await readBody(c, listenerUpdateSchema);
    if (deps.listener.update === undefined) {
      throw new ApiError(
        501,
        'not-implemented',
        'this daemon cannot change the listener at run time',
      );
    }
    return c.json(await deps.listener.update(change));
  });

  // Events (SSE) -------------------------------------------------------------------------------
  app.get('/api/events/recent', (c) => {
    const q = parseQuery(recentEventsQuerySchema, c.req.query());
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (limit < 1 || limit > 2000) {
      throw new ApiError(
        400,
        'validation',
        `limit: limit is a number 1-2000, got ${q.limit ?? ''}`,
      );
    }
    // Synchronous, so `lastId` and the list are one snapshot: resuming from it loses nothing.
    const lastId = deps.events.lastId;
    const events = deps.events
      .recent(limit, q.event?.split(','))
      .map(
        (e) => ({ id: e.id, event: e.event, data: JSON.parse(e.data) as unknown }) as RecentEvent,
      );
    const body: RecentEvents = { events, lastId };
    return c.json(body);
  });

  app.get('/api/events', (c) => {
    const lastHeader = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    return streamSSE(c, async (stream) => {
      const queue: BufferedEvent[] = [];
      let wake: (() => void) | null = null;
      // `lost`: the events this reader lost because it stopped reading (queue over the limit),
      // told to it in a `resync` before the next event it gets.
      const state: { closed: boolean; lost: { from: number; to: number; count: number } | null } = {
        closed: false,
        lost: null,
      };
      const isOpen = (): boolean => !state.closed && !stream.aborted;
      const signal = (): void => {
        const w = wake;
        wake = null;
        w?.();
      };
      let lastSent = deps.events.lastId;
      const unsubscribe = deps.events.subscribe((event) => {
        queue.push(event);
        if (queue.length > queueLimit) {
          const first = queue[0];
          const lost = state.lost;
          if (lost === null) {
            state.lost = { from: first?.id ?? event.id, to: event.id, count: queue.length };
            deps.logger.warn(
              { dropped: queue.length, limit: queueLimit },
              'SSE reader stopped reading; its queued events were dropped and it will be told to resync',
            );
          } else {
            lost.to = event.id;
            lost.count += queue.length;
          }
          queue.length = 0;
        }
        signal();
      });
      const sendLost = async (): Promise<void> => {
        const gap = state.lost;
        if (gap === null) return;
        state.lost = null;
        if (gap.to > lastSent) lastSent = gap.to;
        deps.metrics?.sseResync();
        const body: SseResyncEvent = {
          type: 'resync',
          reason: `this reader fell behind and ${String(gap.count)} events (ids ${String(gap.from)}-${String(gap.to)}) were dropped; reload /api/calls (and /api/events/recent for the history)`,
          lostFrom: gap.from,
          lostTo: gap.to,
          lostCount: gap.count,
        };
        await stream.writeSSE({
          id: String(gap.to),
          event: 'resync',
          data: JSON.stringify(body),
        });
      };
      const untrack = deps.trackStream?.(() => {
        state.closed = true;
        signal();
      });
      stream.onAbort(() => {
        state.closed = true;
        signal();
      });
      try {
        await stream.write('retry: 2000\n\n');
        if (lastHeader !== undefined && /^\d+$/.test(lastHeader)) {
          const resume = deps.events.since(Number(lastHeader));
          if (resume.ok) {
            for (const event of resume.events) {
              await stream.writeSSE({ id: String(event.id), event: event.event, data: event.data });
              // Events pushed after `lastSent` was read are in the queue too: send them once.
              if (event.id > lastSent) lastSent = event.id;
            }
          } else {
            deps.metrics?.sseResync();
            await stream.writeSSE({
              id: String(lastSent),
              event: 'resync',
              data: JSON.stringify({ type: 'resync', reason: resume.reason }),
            });
          }
        } else {
          await stream.write(': connected\n\n');
        }
        while (isOpen()) {
          while (queue.length > 0 || state.lost !== null) {
            await sendLost();
            const event = queue.shift();
            if (event === undefined || event.id <= lastSent) continue;
            lastSent = event.id;
            await stream.writeSSE({ id: String(event.id), event: event.event, data: event.data });
          }
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              wake = null;
              resolve(false);
            }, keepAliveMs);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          if (!woke && isOpen()) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        untrack?.();
      }
    });
  });

  deps.mount?.(app);

  // Web UI -------------------------------------------------------------------------------------
  if (deps.webUiDir !== null) {
    const serve = createStaticHandler(deps.webUiDir);
    app.get('*', async (c) => {
      const token = c.req.query('token');
      if (token !== undefined) {
        // `/?token=…` from the printed admin URL: check it, set the cookie, drop it from the URL.
        const auth = requireToken(() => deps.config.current.admin.token);
        await auth(c, () => Promise.resolve());
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
      return serve(c);
    });
  }

  return app;
}
