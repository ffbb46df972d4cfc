import * as v from 'valibot';

// Browser-safe: the web UI imports these. The full source schemas (with their checks) live in
// @snomlink/directory, which is Node-only; the API describes sources loosely and the daemon
// validates a PUT with the config schema.

/** Health of one directory source (`@snomlink/directory`'s SourceHealth). */
export const directorySourceHealthSchema = v.object({
  id: v.string(),
  /** `ldap`, `carddav`, `csv` or a custom source's kind. */
  kind: v.string(),
  /** `unknown` before the first request, `ok` after a success, `failing` after a failure. */
  state: v.picklist(['unknown', 'ok', 'failing']),
  healthy: v.boolean(),
  consecutiveFailures: v.number(),
  lastError: v.nullable(v.string()),
  lastSuccessAt: v.nullable(v.number()),
  lastFailureAt: v.nullable(v.number()),
  /** Epoch ms before which the source is skipped (backoff). */
  retryAt: v.nullable(v.number()),
  lastLatencyMs: v.nullable(v.number()),
  requests: v.number(),
  failures: v.number(),
});
/** Health of one directory source. */
export type DirectorySourceHealth = v.InferOutput<typeof directorySourceHealthSchema>;

/**
 * One source as `GET /api/directory` returns it: its config without the password, and
 * `hasPassword`. In a PUT, a source without `password` keeps the stored one (matched by id),
 * `password: ""` removes it.
 */
export const directorySourceViewSchema = v.looseObject({
  type: v.picklist(['ldap', 'carddav', 'csv']),
  id: v.string(),
  hasPassword: v.optional(v.boolean()),
});
/** One source as the API shows it. */
export type DirectorySourceView = v.InferOutput<typeof directorySourceViewSchema>;

/** Answer of `GET /api/directory` (and of a successful PUT). */
export const directoryViewSchema = v.object({
  sources: v.array(directorySourceViewSchema),
  timeoutMs: v.number(),
  cacheTtlMs: v.number(),
  negativeTtlMs: v.number(),
  maxCacheEntries: v.number(),
  backoff: v.object({ baseMs: v.number(), maxMs: v.number() }),
  /** Show the directory name instead of the phone's (TAPI caller ID, web UI). */
  overridePhoneName: v.boolean(),
  health: v.array(directorySourceHealthSchema),
});
/** Answer of `GET /api/directory`. */
export type DirectoryView = v.InferOutput<typeof directoryViewSchema>;

/** Body of `POST /api/directory/test`. */
export const directoryTestRequestSchema = v.object({
  number: v.pipe(v.string(), v.trim(), v.minLength(1, 'number is empty'), v.maxLength(64)),
});

/** A directory's answer for one number. */
export const directoryMatchSchema = v.object({
  name: v.string(),
  organization: v.nullable(v.string()),
  number: v.string(),
  label: v.string(),
  key: v.string(),
  source: v.string(),
  sourceKind: v.string(),
  entryId: v.string(),
});
/** A directory's answer for one number. */
export type DirectoryMatchView = v.InferOutput<typeof directoryMatchSchema>;

/** Answer of `POST /api/directory/test`: what each source said. */
export const directoryTestResultSchema = v.object({
  number: v.string(),
  key: v.nullable(v.string()),
  issue: v.nullable(v.string()),
  sources: v.array(
    v.object({
      id: v.string(),
      kind: v.string(),
      outcome: v.picklist(['match', 'no-match', 'error', 'timeout']),
      match: v.nullable(directoryMatchSchema),
      error: v.nullable(v.string()),
      ms: v.number(),
    }),
  ),
});
/** Answer of `POST /api/directory/test`. */
export type DirectoryTestResultView = v.InferOutput<typeof directoryTestResultSchema>;

/** Query of `GET /api/directory/search`. */
export const directorySearchQuerySchema = v.object({
  q: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(2, 'q needs at least 2 characters'),
    v.maxLength(100),
  ),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.minValue(1), v.maxValue(100)),
    '20',
  ),
});

/** Answer of `GET /api/directory/search`: entries with all their numbers, for the dial box. */
export const directorySearchResultSchema = v.object({
  hits: v.array(
    v.object({
      name: v.string(),
      organization: v.nullable(v.string()),
      numbers: v.array(
        v.object({ value: v.string(), label: v.string(), key: v.nullable(v.string()) }),
      ),
      source: v.string(),
      sourceKind: v.string(),
      entryId: v.string(),
    }),
  ),
});
/** Answer of `GET /api/directory/search`. */
export type DirectorySearchResult = v.InferOutput<typeof directorySearchResultSchema>;
