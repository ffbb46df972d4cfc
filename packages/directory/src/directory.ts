import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import * as v from 'valibot';
import { DirectoryConfigError, describeError, isDirectoryTimeoutError } from './errors.js';
import { toNumberQuery, type NumberQuery } from './number-query.js';
import {
  directoryConfigSchema,
  directorySourceSchema,
  type DirectoryConfigInput,
  type DirectorySourceConfig,
} from './options.js';
import { createSourceGuard, type SourceGuard, type SourceHealth } from './source-guard.js';
import type {
  DirectoryEntry,
  DirectoryLogger,
  DirectoryNumber,
  DirectorySource,
  DirectorySourceKind,
} from './source.js';
import { createCardDavSource } from './sources/carddav-source.js';
import { createCsvSource } from './sources/csv-source.js';
import type { IndexedSource } from './sources/indexed-source.js';
import { createLdapSource } from './sources/ldap-source.js';
import { createTtlCache } from './ttl-cache.js';

/** The name a directory gave a number, and where it came from. */
export interface DirectoryMatch {
  readonly name: string;
  readonly organization: string | null;
  /** The matching number as the directory stores it (`030 1234567`), and its label. */
  readonly number: string;
  readonly label: string;
  /** The comparison key: E.164 (`+49301234567`) or `ext:<digits>`. */
  readonly key: string;
  /** The source's id and kind, and the entry's id there (DN, vCard href, file:row). */
  readonly source: string;
  readonly sourceKind: DirectorySourceKind;
  readonly entryId: string;
}

/** One entry found by a name search, for the dial box. */
export interface DirectorySearchHit {
  readonly name: string;
  readonly organization: string | null;
  readonly numbers: readonly DirectoryNumber[];
  readonly source: string;
  readonly sourceKind: DirectorySourceKind;
  readonly entryId: string;
}

/** What each source said to an admin's "test lookup". */
export interface DirectoryTestResult {
  readonly number: string;
  /** The key looked up, or null when the number cannot be matched (then `issue` says why). */
  readonly key: string | null;
  readonly issue: string | null;
  readonly sources: readonly {
    readonly id: string;
    readonly kind: DirectorySourceKind;
    readonly outcome: 'match' | 'no-match' | 'error' | 'timeout';
    readonly match: DirectoryMatch | null;
    readonly error: string | null;
    readonly ms: number;
  }[];
}

/** Options of {@link createDirectory}: the `directory` config section plus what the daemon has. */
export interface DirectoryOptions extends Omit<DirectoryConfigInput, 'sources'> {
  /** Sources in order: config entries (`{ type: 'ldap', … }`) or ready {@link DirectorySource} objects. */
  readonly sources?: readonly (DirectorySourceConfig | DirectorySource)[];
  /** The dial rules numbers are normalised with (the daemon's `dialing` section). */
  readonly dialing?: DialRules;
  readonly logger?: DirectoryLogger;
  /** Clock and randomness, replaceable in tests. */
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Caller-name lookups over several sources; see {@link createDirectory}. */
export interface Directory {
  /**
   * The entry that knows this number, from the first source in order that does. Never throws,
   * never takes longer than `timeoutMs`: a failing or slow source counts as "not found" and is
   * skipped for a while (its health says why). Undefined for unknown, anonymous or invalid numbers.
   */
  lookup(number: string): Promise<DirectoryMatch | undefined>;
  /** Entries whose name contains every word of `text` (at least 2 characters), for the dial box. Never throws. */
  search(text: string, limit?: number): Promise<DirectorySearchHit[]>;
  /** Asks every source (no cache, no backoff) and says what each answered, for the admin UI. */
  test(number: string): Promise<DirectoryTestResult>;
  /**
   * Loads the sources that answer from memory (CardDAV, CSV) now, so the first call does not
   * wait for a whole address book. Never throws: a failure shows in `health()`. Takes as long
   * as the slowest load, at most each source's `loadTimeoutMs` (30 s by default).
   */
  preload(): Promise<void>;
  /** Health of each source, in order. */
  health(): SourceHealth[];
  /** Forgets cached answers, e.g. after the admin changed an entry. */
  clearCache(): void;
  /** Closes every source; later lookups answer undefined. */
  close(): Promise<void>;
  readonly sourceIds: readonly string[];
}

type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function isSource(s: DirectorySourceConfig | DirectorySource): s is DirectorySource {
  return typeof (s as DirectorySource).lookup === 'function';
}

function toMatch(
  entry: DirectoryEntry,
  query: NumberQuery,
  source: DirectorySource,
): DirectoryMatch | undefined {
  const number = entry.numbers.find((n) => n.key === query.key);
  if (number === undefined) return undefined;
  return {
    name: entry.name,
    organization: entry.organization,
    number: number.value,
    label: number.label,
    key: query.key,
    source: source.id,
    sourceKind: source.kind,
    entryId: entry.id,
  };
}

/**
 * Creates the directory: sources in order, a TTL cache (with negative answers), one timeout for
 * the whole lookup, and per source a guard with exponential backoff and a health entry. Sources
 * are asked in parallel; the first one in order that knows the number wins. Concurrent lookups
 * of the same number share one request. Throws DirectoryConfigError for an invalid config.
 */
export function createDirectory(options: DirectoryOptions = {}): Directory {
  const {
    sources: sourceInput = [],
    dialing = DEFAULT_DIAL_RULES,
    logger,
    now = Date.now,
    random,
  } = options;
  const parsed = v.safeParse(directoryConfigSchema, { ...options, sources: [] });
  if (!parsed.success) {
    const issues = parsed.issues.map((i) => `${v.getDotPath(i) ?? 'directory'}: ${i.message}`);
    throw new DirectoryConfigError(`invalid directory options: ${issues.join('; ')}`, { issues });
  }
  const config = parsed.output;
  const sources: DirectorySource[] = [];
  const timeouts: number[] = [];
  sourceInput.forEach((input, i) => {
    if (isSource(input)) {
      sources.push(input);
      timeouts.push(config.timeoutMs);
      return;
    }
    const checked = v.safeParse(directorySourceSchema, input);
    if (!checked.success) {
      const issues = checked.issues.map(
        (x) => `sources[${i}].${v.getDotPath(x) ?? ''}: ${x.message}`,
      );
      throw new DirectoryConfigError(`invalid directory source ${i + 1}: ${issues.join('; ')}`, {
        issues,
      });
    }
    const c = checked.output;
    const id = c.id ?? `${c.type}-${i + 1}`;
    timeouts.push(Math.min(c.timeoutMs ?? config.timeoutMs, config.timeoutMs));
    if (c.type === 'ldap') {
      const { type: _t, timeoutMs, ...rest } = c;
      sources.push(
        createLdapSource({ ...rest, id, timeoutMs: timeoutMs ?? config.timeoutMs }, dialing),
      );
    } else if (c.type === 'carddav') {
      const { type: _t, timeoutMs: _m, ...rest } = c;
      sources.push(createCardDavSource({ ...rest, id }, dialing, logger));
    } else {
      const { type: _t, timeoutMs: _m, ...rest } = c;
      sources.push(createCsvSource({ ...rest, id }, dialing, logger));
    }
  });
  const ids = sources.map((s) => s.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) {
    const issue = `two sources have the id "${duplicate}"; give each its own id`;
    throw new DirectoryConfigError(issue, { issues: [issue] });
  }
  const guards: SourceGuard[] = sources.map((s, i) =>
    createSourceGuard({
      id: s.id,
      kind: s.kind,
      timeoutMs: timeouts[i] ?? config.timeoutMs,
      backoff: config.backoff,
      now,
      ...(random === undefined ? {} : { random }),
    }),
  );
  const cache = createTtlCache<DirectoryMatch | undefined>(config.maxCacheEntries, now);
  const inFlight = new Map<string, Promise<DirectoryMatch | undefined>>();
  let closed = false;

  const report = (source: DirectorySource, error: unknown, what: string): void => {
    logger?.warn(
      { source: source.id, kind: source.kind, err: describeError(error) },
      `directory source "${source.id}" failed during ${what}; it is skipped until it answers again`,
    );
  };

  const resolve = async (query: NumberQuery): Promise<DirectoryMatch | undefined> => {
    // Ask every available source at once; take the first in order that knows the number.
    const asked = sources.map((source, i) => {
      const guard = guards[i];
      if (guard === undefined || !guard.available()) return null;
      return settle(guard.run((signal) => source.lookup(query, signal)));
    });
    let complete = true;
    let match: DirectoryMatch | undefined;
    for (const [i, pending] of asked.entries()) {
      const source = sources[i];
      if (source === undefined) continue;
      if (pending === null) {
        complete = false;
        continue;
      }
      const result = await pending;
      if (!result.ok) {
        complete = false;
        if (
          !isDirectoryTimeoutError(result.error) ||
          guards[i]?.health().consecutiveFailures === 1
        ) {
          report(source, result.error, 'a lookup');
        }
        continue;
      }
      match = result.value === undefined ? undefined : toMatch(result.value, query, source);
      if (match !== undefined) break;
    }
    if (!closed) {
      // An answer given while a source before the winner was down is kept only briefly.
      const ttl = !complete
        ? Math.min(config.negativeTtlMs, config.cacheTtlMs)
        : match === undefined
          ? config.negativeTtlMs
          : config.cacheTtlMs;
      cache.set(query.key, match, ttl);
    }
    return match;
  };

  return {
    sourceIds: ids,
    async lookup(number) {
      if (closed || sources.length === 0) return undefined;
      const query = toNumberQuery(number, dialing);
      if (query === null) return undefined;
      const hit = cache.get(query.key);
      if (hit !== undefined) return hit.value;
      let pending = inFlight.get(query.key);
      if (pending === undefined) {
        const p = resolve(query).catch((e: unknown) => {
          logger?.warn({ err: describeError(e) }, 'directory lookup failed');
          return undefined;
        });
        pending = p;
        inFlight.set(query.key, p);
        void p.finally(() => {
          if (inFlight.get(query.key) === p) inFlight.delete(query.key);
        });
      }
      return pending;
    },
    async search(text, limit = 20) {
      const query = typeof text === 'string' ? text.trim() : '';
      const max = Math.max(1, Math.min(200, Math.floor(Number.isFinite(limit) ? limit : 20)));
      if (closed || query.length < 2) return [];
      const asked = sources.map((source, i) => {
        const guard = guards[i];
        if (guard === undefined || !guard.available()) return Promise.resolve(null);
        return settle(guard.run((signal) => source.search(query, max, signal)));
      });
      const hits: DirectorySearchHit[] = [];
      const seen = new Set<string>();
      for (const [i, result] of (await Promise.all(asked)).entries()) {
        const source = sources[i];
        if (result === null || source === undefined) continue;
        if (!result.ok) {
          report(source, result.error, 'a name search');
          continue;
        }
        for (const entry of result.value) {
          const keys = entry.numbers
            .map((n) => n.key ?? n.value)
            .sort()
            .join(',');
          const dedupe = `${entry.name.toLowerCase()}|${keys}`;
          if (seen.has(dedupe)) continue;
          seen.add(dedupe);
          hits.push({
            name: entry.name,
            organization: entry.organization,
            numbers: entry.numbers,
            source: source.id,
            sourceKind: source.kind,
            entryId: entry.id,
          });
        }
      }
      return hits.slice(0, max);
    },
    async test(number) {
      const query = toNumberQuery(number, dialing);
      if (query === null) {
        return {
          number,
          key: null,
          issue: `"${number.slice(0, 40)}" is no number a directory can match (empty, letters, or a service code)`,
          sources: [],
        };
      }
      const results = await Promise.all(
        sources.map(async (source, i) => {
          const started = performance.now();
          const guard = guards[i];
          const result = await settle(
            guard === undefined
              ? source.lookup(query, new AbortController().signal)
              : guard.run((s) => source.lookup(query, s)),
          );
          const ms = Math.round((performance.now() - started) * 10) / 10;
          if (!result.ok) {
            return {
              id: source.id,
              kind: source.kind,
              outcome: isDirectoryTimeoutError(result.error)
                ? ('timeout' as const)
                : ('error' as const),
              match: null,
              error: describeError(result.error),
              ms,
            };
          }
          const match =
            result.value === undefined ? undefined : toMatch(result.value, query, source);
          return {
            id: source.id,
            kind: source.kind,
            outcome: match === undefined ? ('no-match' as const) : ('match' as const),
            match: match ?? null,
            error: null,
            ms,
          };
        }),
      );
      return { number, key: query.key, issue: null, sources: results };
    },
    async preload() {
      await Promise.all(
        sources.map(async (source, i) => {
          const refresh = (source as Partial<IndexedSource>).refresh;
          if (typeof refresh !== 'function') return;
          try {
            await refresh.call(source);
          } catch (e) {
            guards[i]?.recordFailure(e);
            report(source, e, 'loading');
          }
        }),
      );
    },
    health: () => guards.map((g) => g.health()),
    clearCache() {
      cache.clear();
    },
    async close() {
      closed = true;
      cache.clear();
      await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    },
  };
}
