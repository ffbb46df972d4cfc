/**
 * How a route of the admin API documents itself and validates its input: `describe()` next to
 * the route gives its OpenAPI operation; `jsonBody()`, `query()` and `params()` validate with
 * the valibot schemas of `../api/schemas.ts` (through Standard Schema) and document them at the
 * same time, so the document at `/api/openapi.json` cannot drift from the routes.
 */
import { describeRoute, resolver, validator } from 'hono-openapi';
import type { ResponsesWithResolver } from 'hono-openapi';
import type { Context, Env, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { errorBodySchema } from '../api/schemas.js';
import { jsonError } from './api-error-body.js';

/** A valibot schema that the document lists under `components.schemas[name]`. */
export function component<S extends v.GenericSchema>(
  name: string,
  schema: S,
): v.SchemaWithPipe<readonly [S, v.MetadataAction<v.InferOutput<S>, { readonly ref: string }>]> {
  return v.pipe(schema, v.metadata({ ref: name }));
}

const ErrorBody = component('ErrorBody', errorBodySchema);

/** One documented response, as hono-openapi takes it. */
type ResponseDoc = Exclude<ResponsesWithResolver[string], { $ref: string }>;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad request: the body, query or path failed validation (`detail` names the field)',
  401: 'The admin token is missing or wrong',
  403: 'Refused: a cross-origin request',
  404: 'No such phone, call or route',
  409: 'Conflict with the current state',
  422: 'The number cannot be dialled',
  429: 'Too many wrong tokens from this address: refused for the seconds in `Retry-After`',
  501: 'Not available in this daemon',
  502: 'The phone answered with an error',
  503: 'The phone or journal is not available right now',
  504: 'The phone did not answer in time',
};

/** What one route says about itself in the OpenAPI document. */
export interface RouteDoc {
  /** One line: what the route does. */
  readonly summary: string;
  /** Group in the document (`phones`, `calls`, …). */
  readonly tag: string;
  readonly description?: string;
  /** Success status. Default 200. */
  readonly status?: 101 | 200 | 201 | 202 | 204;
  /** JSON body of the success answer. */
  readonly response?: v.GenericSchema;
  /** Another media type of the success answer (SSE, Prometheus text). */
  readonly media?: { readonly type: string; readonly description: string };
  /** Error statuses besides 401 and 429 (every route) and 403 (every state change). */
  readonly errors?: readonly number[];
  /** The route changes state (POST/PUT/DELETE): it answers 403 to a cross-origin request. */
  readonly changesState?: boolean;
}

function errorResponse(status: number): ResponseDoc {
  return {
    description: STATUS_TEXT[status] ?? `Error ${String(status)}`,
    content: { 'application/json': { schema: resolver(ErrorBody) } },
  };
}

/** The OpenAPI operation of the route it is placed in (a no-op middleware at run time). */
export function describe(doc: RouteDoc): MiddlewareHandler {
  const status = doc.status ?? 200;
  const ok: ResponseDoc = { description: doc.summary };
  if (doc.response !== undefined)
    ok.content = { 'application/json': { schema: resolver(doc.response) } };
  else if (doc.media !== undefined)
    ok.content = {
      [doc.media.type]: { schema: { type: 'string', description: doc.media.description } },
    };
  const responses: Record<string, ResponseDoc> = { [String(status)]: ok };
  const errors = new Set([
    401,
    429,
    ...(doc.changesState === true ? [403] : []),
    ...(doc.errors ?? []),
  ]);
  for (const code of [...errors].sort()) responses[String(code)] = errorResponse(code);
  return describeRoute({
    summary: doc.summary,
    tags: [doc.tag],
    ...(doc.description === undefined ? {} : { description: doc.description }),
    security: [{ bearer: [] }, { cookie: [] }],
    responses,
  });
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/** `a.b.0` of a Standard Schema issue, or null for the root. */
function issuePath(issue: { readonly path?: readonly unknown[] | undefined }): string | null {
  if (issue.path === undefined || issue.path.length === 0) return null;
  return issue.path
    .map((segment) =>
      typeof segment === 'object' && segment !== null && 'key' in segment
        ? String(segment.key)
        : String(segment),
    )
    .join('.');
}

type Target = 'json' | 'query' | 'param';
const TARGET_NAME: Readonly<Record<Target, string>> = {
  json: 'body',
  query: 'query',
  param: 'path',
};

/**
 * The validation hook of every route: a failed check answers 400 `{ error: 'validation',
 * detail: '<field>: <message>' }`; a body that is not `application/json` answers 400
 * `invalid-json` (Hono would otherwise validate it as `{}`).
 */
function hook(
  result: {
    success: boolean;
    target: string;
    error?: readonly { message: string; path?: readonly unknown[] | undefined }[];
  },
  c: Context,
): Response | undefined {
  if (result.target === 'json') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!JSON_MEDIA.test(type))
      return jsonError(
        c,
        400,
        'invalid-json',
        'the request body must be JSON (content-type: application/json)',
      );
  }
  if (result.success) return undefined;
  const issue = result.error?.[0];
  if (issue === undefined) return jsonError(c, 400, 'validation', 'the request is not valid');
  const where = issuePath(issue) ?? TARGET_NAME[result.target as Target];
  return jsonError(c, 400, 'validation', `${where}: ${issue.message}`);
}

/** Validates (and documents) the JSON body; the handler reads it with `c.req.valid('json')`. */
export function jsonBody<S extends v.GenericSchema, E extends Env, P extends string>(
  schema: S,
): MiddlewareHandler<E, P, { in: { json: v.InferInput<S> }; out: { json: v.InferOutput<S> } }> {
  return validator('json', schema, hook as never) as never;
}

/** Validates (and documents) the query string; read it with `c.req.valid('query')`. */
export function query<S extends v.GenericSchema, E extends Env, P extends string>(
  schema: S,
): MiddlewareHandler<
  E,
  P,
  { in: { query: Record<string, string> }; out: { query: v.InferOutput<S> } }
> {
  return validator('query', schema, hook as never) as never;
}

/** Validates (and documents) the path parameters; read them with `c.req.valid('param')`. */
export function params<S extends v.GenericSchema, E extends Env, P extends string>(
  schema: S,
): MiddlewareHandler<
  E,
  P,
  { in: { param: Record<string, string> }; out: { param: v.InferOutput<S> } }
> {
  return validator('param', schema, hook as never) as never;
}

/** Path parameter `{id}` of a phone route (any string: an unknown id answers 404, not 400). */
export const phoneIdParam = v.object({ id: v.string() });
