import type { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';

/** The OpenAPI 3.1 document of the admin API, as `generateSpecs` builds it. */
export type OpenApiDocument = Awaited<ReturnType<typeof generateSpecs>>;

/** `/api/phones/:id` → `/api/phones/{id}` (OpenAPI path template). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
}

/**
 * Builds the document from the routes' own `describe()`, `jsonBody()`, `query()` and `params()`
 * (hono-openapi): every documented route of `app`, nothing kept by hand.
 */
export function buildOpenApiDocument(app: Hono, version: string): Promise<OpenApiDocument> {
  return generateSpecs(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'snomlink admin API',
        version,
        description:
          'Admin REST API and SSE stream of the snomlink daemon. Every route needs the admin ' +
          'token (Authorization: Bearer, or the session cookie the admin URL sets); state ' +
          'changes from another origin are refused (403). Errors are { error, detail }.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (admin.token)' },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'snomlink_token',
            description: 'Session cookie set by opening the admin URL with ?token=',
          },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    excludeStaticFile: false,
    // Each route documents its own 400 (only routes that validate input have one).
    defaultValidationErrorResponse: false,
  });
}

const DOC_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * Compares the routes `app` serves with the operations `doc` lists (`"get /api/phones/{id}"`):
 * `undocumented` are served but not described, `unserved` described but not served.
 * Middleware (`app.use`) and the web UI's catch-all `*` are not routes of the API.
 */
export function routeCoverage(
  app: Hono,
  doc: { readonly paths: Readonly<Record<string, object | undefined>> },
): { undocumented: string[]; unserved: string[] } {
  const served = new Set(
    app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*')
      .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
  );
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((m) => DOC_METHODS.includes(m))
        .map((m) => `${m} ${path}`),
    ),
  );
  return {
    undocumented: [...served].filter((r) => !documented.has(r)).sort(),
    unserved: [...documented].filter((r) => !served.has(r)).sort(),
  };
}
