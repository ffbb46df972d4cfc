import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { DirectorySourceConfig } from '@snomlink/directory';
import {
  directorySearchQuerySchema,
  directorySearchResultSchema,
  directoryTestRequestSchema,
  directoryTestResultSchema,
  directoryViewSchema,
} from '../api/directory-schemas.js';
import type { ErrorBody } from '../api/schemas.js';
import type {
  DirectorySearchResult,
  DirectorySourceView,
  DirectoryTestResultView,
  DirectoryView,
} from '../api/directory-schemas.js';
import { directorySectionSchema } from '../config/config-schema.js';
import type { DirectorySection } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';
import type { CallerNames } from '../directory/caller-names.js';
import { buildDirectory } from '../directory/caller-names.js';
import { ApiError, isApiError } from '../errors.js';
import { component, describe, jsonBody, query } from './route-docs.js';

const tag = 'directory';
const DirectoryViewDoc = component('DirectoryView', directoryViewSchema);
const DirectorySectionDoc = component('DirectorySection', directorySectionSchema);

/** What the directory routes need. */
export interface DirectoryRoutesDeps {
  readonly config: ConfigStore;
  readonly callerNames: Pick<CallerNames, 'health' | 'search' | 'test'>;
  readonly logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

const sourceId = (source: DirectorySourceConfig, index: number): string =>
  source.id ?? `${source.type}-${String(index + 1)}`;

/** A source without its secret; `hasPassword` says whether one is stored. */
function sourceView(source: DirectorySourceConfig, index: number): DirectorySourceView {
  const id = sourceId(source, index);
  if (source.type === 'csv') return { ...source, id };
  const { password, ...rest } = source;
  return { ...rest, id, hasPassword: password !== undefined && password !== '' };
}

function directoryView(section: DirectorySection, deps: DirectoryRoutesDeps): DirectoryView {
  const { sources, ...rest } = section;
  return {
    ...rest,
    sources: sources.map(sourceView),
    health: deps.callerNames.health(),
  };
}

/**
 * A PUT's sources with their stored passwords: a source that sends no `password` keeps the one
 * stored for the same id and type (the GET never returns it), `""` removes it.
 */
function keepPasswords(
  next: readonly DirectorySourceConfig[],
  stored: readonly DirectorySourceConfig[],
): DirectorySourceConfig[] {
  return next.map((source, i) => {
    if (source.type === 'csv') return source;
    const id = sourceId(source, i);
    if (source.password === '') {
      const { password: _p, ...rest } = source;
      return rest;
    }
    if (source.password !== undefined) return source;
    const old = stored.find((s, j) => sourceId(s, j) === id && s.type === source.type);
    return old !== undefined && old.type !== 'csv' && old.password !== undefined
      ? { ...source, password: old.password }
      : source;
  });
}

/**
 * `/api/directory`: the caller-name sources in the config (`GET`, `PUT`; passwords never
 * returned), an admin "test lookup" (`POST /test`) and the dial box's name search (`GET /search`).
 * Mounted after the token check.
 */
export function directoryRoutes(deps: DirectoryRoutesDeps): Hono {
  const app = new Hono();
  // The same `{ error, detail }` bodies as the admin app (also when used alone, as in tests).
  app.onError((error) => {
    if (error instanceof HTTPException && error.status === 400) {
      // The JSON validator: the body does not parse.
      const body: ErrorBody = {
        error: 'invalid-json',
        detail: `the request body is not valid JSON (${error.message})`,
      };
      return Response.json(body, { status: 400 });
    }
    if (!isApiError(error)) throw error;
    const body: ErrorBody = { error: error.code, detail: error.message };
    return Response.json(body, { status: error.status });
  });

  app.get(
    '/',
    describe({
      tag,
      summary: 'Caller-name directory sources (no passwords) and their health',
      response: DirectoryViewDoc,
    }),
    (c) => c.json(directoryView(deps.config.current.directory, deps)),
  );

  app.put(
    '/',
    describe({
      tag,
      summary: 'Replace the directory section (a source without password keeps the stored one)',
      response: DirectoryViewDoc,
      errors: [400],
      changesState: true,
    }),
    jsonBody(DirectorySectionDoc),
    async (c) => {
      const input = c.req.valid('json');
      const current = deps.config.current;
      const section: DirectorySection = {
        ...input,
        sources: keepPasswords(input.sources, current.directory.sources),
      };
      // Templates, URLs and ids are checked by building the directory once (it opens nothing).
      try {
        const probe = buildDirectory(section, current.dialing, deps.logger);
        void probe.close();
      } catch (error) {
        throw new ApiError(
          400,
          'validation',
          error instanceof Error ? error.message : String(error),
        );
      }
      const saved = await deps.config.update((cfg) => ({ ...cfg, directory: section }));
      deps.logger.info(
        { sources: saved.directory.sources.map((s, i) => sourceId(s, i)) },
        'directory sources changed',
      );
      return c.json(directoryView(saved.directory, deps));
    },
  );

  app.post(
    '/test',
    describe({
      tag,
      summary: 'Test lookup: what every source answers for a number (no cache)',
      response: component('DirectoryTestResult', directoryTestResultSchema),
      errors: [400],
    }),
    jsonBody(component('DirectoryTestRequest', directoryTestRequestSchema)),
    async (c) => {
      const { number } = c.req.valid('json');
      const result = await deps.callerNames.test(number);
      const body: DirectoryTestResultView = {
        ...result,
        sources: result.sources.map((s) => ({ ...s })),
      };
      return c.json(body);
    },
  );

  app.get(
    '/search',
    describe({
      tag,
      summary: 'Directory entries whose name contains every word of q (the dial box)',
      response: component('DirectorySearchResult', directorySearchResultSchema),
      errors: [400],
    }),
    query(component('DirectorySearchQuery', directorySearchQuerySchema)),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      const hits = await deps.callerNames.search(q, limit);
      const body: DirectorySearchResult = {
        hits: hits.map((hit) => ({ ...hit, numbers: hit.numbers.map((n) => ({ ...n })) })),
      };
      return c.json(body);
    },
  );

  return app;
}
