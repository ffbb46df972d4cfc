import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import {
  actionUrlsViewSchema,
  callCommandResultSchema,
  callListSchema,
  dialRequestSchema,
  dialResultSchema,
  dialingRulesSchema,
  errorBodySchema,
  healthSchema,
  journalPageSchema,
  listenerStatusSchema,
  listenerUpdateResultSchema,
  listenerUpdateSchema,
  phoneInputSchema,
  phoneListSchema,
  phoneTestResultSchema,
  phoneUpdateSchema,
  phoneViewSchema,
  provisionResultSchema,
  recentEventsSchema,
  sseActionEventSchema,
  ssePresenceEventSchema,
  linePresenceSchema,
  lineListSchema,
  presenceUpdateSchema,
  presenceUpdateResultSchema,
  sseCallEventSchema,
  sseLineEventSchema,
  sseResyncEventSchema,
  webhookListSchema,
} from '../api/schemas.js';

const COMPONENTS = {
  ErrorBody: errorBodySchema,
  Health: healthSchema,
  PhoneView: phoneViewSchema,
  PhoneList: phoneListSchema,
  PhoneInput: phoneInputSchema,
  PhoneUpdate: phoneUpdateSchema,
  PhoneTestResult: phoneTestResultSchema,
  ActionUrlsView: actionUrlsViewSchema,
  ProvisionResult: provisionResultSchema,
  DialRequest: dialRequestSchema,
  DialResult: dialResultSchema,
  CallList: callListSchema,
  CallCommandResult: callCommandResultSchema,
  JournalPage: journalPageSchema,
  DialingRules: dialingRulesSchema,
  WebhookList: webhookListSchema,
  ListenerStatus: listenerStatusSchema,
  ListenerUpdate: listenerUpdateSchema,
  ListenerUpdateResult: listenerUpdateResultSchema,
  RecentEvents: recentEventsSchema,
  SseCallEvent: sseCallEventSchema,
  SseLineEvent: sseLineEventSchema,
  SseActionEvent: sseActionEventSchema,
  SseResyncEvent: sseResyncEventSchema,
  SsePresenceEvent: ssePresenceEventSchema,
  LinePresence: linePresenceSchema,
  LineList: lineListSchema,
  PresenceUpdate: presenceUpdateSchema,
  PresenceUpdateResult: presenceUpdateResultSchema,
} satisfies Record<string, v.GenericSchema>;

type ComponentName = keyof typeof COMPONENTS;

interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  body?: ComponentName;
  response?: ComponentName;
  status?: number;
  query?: string[];
  errors?: number[];
}

const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/health',
    summary: 'Daemon, journal and listener health',
    response: 'Health',
  },
  {
    method: 'get',
    path: '/api/phones',
    summary: 'Configured phones (no passwords)',
    response: 'PhoneList',
  },
  {
    method: 'post',
    path: '/api/phones',
    summary: 'Add a phone',
    body: 'PhoneInput',
    response: 'PhoneView',
    status: 201,
    errors: [400, 409],
  },
  {
    method: 'get',
    path: '/api/phones/{id}',
    summary: 'One phone',
    response: 'PhoneView',
    errors: [404],
  },
  {
    method: 'put',
    path: '/api/phones/{id}',
    summary: 'Change a phone (password omitted = kept)',
    body: 'PhoneUpdate',
    response: 'PhoneView',
    errors: [400, 404],
  },
  {
    method: 'delete',
    path: '/api/phones/{id}',
    summary: 'Remove a phone',
    status: 204,
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/phones/{id}/test',
    summary: 'Reach the phone, log in, read its model',
    response: 'PhoneTestResult',
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/phones/{id}/provision',
    summary: 'Write the Action URLs into the phone (store_settings=save) and verify',
    response: 'ProvisionResult',
    errors: [404, 502, 504],
  },
  {
    method: 'delete',
    path: '/api/phones/{id}/provision',
    summary: 'Remove the Action URLs from the phone',
    response: 'ProvisionResult',
    errors: [404, 502, 504],
  },
  {
    method: 'get',
    path: '/api/phones/{id}/action-urls',
    summary: 'The Action URLs provisioning writes',
    response: 'ActionUrlsView',
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/phones/{id}/dial',
    summary: 'Click-to-dial through the dial rules',
    body: 'DialRequest',
    response: 'DialResult',
    errors: [400, 404, 422, 502, 504],
  },
  {
    method: 'get',
    path: '/api/lines',
    summary: 'Every line with its presence (DND, forwarding, user, registration) and live calls',
    response: 'LineList',
  },
  {
    method: 'get',
    path: '/api/phones/{id}/presence',
    summary: "A line's presence",
    response: 'LinePresence',
    errors: [404],
  },
  {
    method: 'put',
    path: '/api/phones/{id}/presence',
    summary: 'Switch DND and/or forwarding on the phone (confirmed by its Action URLs)',
    body: 'PresenceUpdate',
    response: 'PresenceUpdateResult',
    status: 202,
    errors: [400, 404, 502, 503, 504],
  },
  { method: 'get', path: '/api/calls', summary: 'Live calls', response: 'CallList' },
  ...(['drop', 'answer', 'hold', 'unhold'] as const).map((command): RouteDoc => ({
    method: 'post',
    path: `/api/calls/{callId}/${command}`,
    summary: `${command} a live call`,
    response: 'CallCommandResult',
    errors: [404, 502, 504],
  })),
  {
    method: 'get',
    path: '/api/journal',
    summary: 'Finished calls, newest first',
    response: 'JournalPage',
    query: ['limit', 'before', 'phone', 'direction', 'missed', 'q'],
    errors: [400],
  },
  { method: 'get', path: '/api/dialing', summary: 'Dial rules', response: 'DialingRules' },
  {
    method: 'put',
    path: '/api/dialing',
    summary: 'Change the dial rules',
    body: 'DialingRules',
    response: 'DialingRules',
    errors: [400],
  },
  { method: 'get', path: '/api/webhooks', summary: 'Outgoing webhooks', response: 'WebhookList' },
  {
    method: 'put',
    path: '/api/webhooks',
    summary: 'Replace the outgoing webhooks',
    body: 'WebhookList',
    response: 'WebhookList',
    errors: [400],
  },
  {
    method: 'get',
    path: '/api/listener',
    summary: 'Action URL listener state',
    response: 'ListenerStatus',
  },
  {
    method: 'post',
    path: '/api/listener/start',
    summary: 'Start the listener',
    response: 'ListenerStatus',
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/listener/stop',
    summary: 'Stop the listener',
    response: 'ListenerStatus',
  },
  {
    method: 'put',
    path: '/api/listener',
    summary:
      'Change host, port and/or publicHost: binds the new address before closing the old one, then writes the config; 409 when the port is in use (listener and config unchanged). reprovisionNeeded says the phones need their Action URLs again',
    body: 'ListenerUpdate',
    response: 'ListenerUpdateResult',
    errors: [400, 409, 422],
  },
  {
    method: 'get',
    path: '/api/events/recent',
    summary:
      'The latest events of the SSE buffer, oldest first (limit 1-2000, default 100; event = comma-separated names); resume GET /api/events with Last-Event-ID = lastId',
    response: 'RecentEvents',
    query: ['limit', 'event'],
    errors: [400],
  },
  {
    method: 'post',
    path: '/api/sign-out',
    summary: 'End the browser session: clears the snomlink_token cookie',
    status: 204,
  },
];

let cached: Record<string, unknown> | null = null;

function schemaOf(schema: v.GenericSchema): Record<string, unknown> {
  const json = toJsonSchema(schema, { target: 'draft-2020-12', errorMode: 'ignore' }) as Record<
    string,
    unknown
  >;
  delete json['$schema'];
  return json;
}

const ref = (name: ComponentName): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** The OpenAPI 3.1 document of the admin API, generated from the valibot schemas. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  if (cached !== null) return cached;
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = schemaOf(schema);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = (route.query ?? []).map((name) => ({
      name,
      in: 'query',
      required: false,
      schema: { type: 'string' },
    }));
    const responses: Record<string, unknown> = {
      [String(route.status ?? 200)]:
        route.response === undefined
          ? { description: 'done' }
          : { description: 'OK', content: { 'application/json': { schema: ref(route.response) } } },
      '401': {
        description: 'missing or wrong admin token',
        content: { 'application/json': { schema: ref('ErrorBody') } },
      },
    };
    for (const status of route.errors ?? []) {
      responses[String(status)] = {
        description: 'error',
        content: { 'application/json': { schema: ref('ErrorBody') } },
      };
    }
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      ...(route.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref(route.body) } },
            },
          }),
      responses,
    };
  }
  paths['/api/events'] = {
    get: {
      summary:
        'Server-Sent Events: `call` (SseCallEvent), `line` (SseLineEvent), `presence` (SsePresenceEvent), `action-event` (SseActionEvent), `resync` (SseResyncEvent). Send Last-Event-ID to resume.',
      responses: {
        '200': {
          description: 'event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
      },
    },
  };
  paths['/api/metrics'] = {
    get: {
      summary:
        'Prometheus metrics in the text exposition format 0.0.4 (counters since start, gauges now); same admin auth as every route',
      responses: {
        '200': {
          description: 'Prometheus text exposition',
          content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
        },
        '401': {
          description: 'missing or wrong admin token',
          content: { 'application/json': { schema: ref('ErrorBody') } },
        },
      },
    },
  };
  cached = {
    openapi: '3.1.0',
    info: { title: 'snomlink admin API', version },
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'snomlink_token' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  };
  return cached;
}
