import type { Logger } from 'pino';
import type { Call, EventHub, PartyId, SnomlinkEvent } from '@snomlink/core';
import { createDirectory } from '@snomlink/directory';
import type {
  Directory,
  DirectoryLogger,
  DirectoryMatch,
  DirectorySearchHit,
  DirectoryTestResult,
  SourceHealth,
} from '@snomlink/directory';
import type { Config, DirectorySection } from '../config/config-schema.js';
import type { ConfigStore } from '../config/config-store.js';

/** The parties of a call a directory can name. */
export type NamedParty = 'callerId' | 'calledId' | 'connectedId';

/** A name the directory found for one party of one call. */
export interface DirectoryNameFound {
  readonly callId: string;
  readonly phoneId: string;
  readonly party: NamedParty;
  /** The party's number as the call had it when the lookup started. */
  readonly number: string;
  readonly match: DirectoryMatch;
  /** Milliseconds from the lookup's start to its answer. */
  readonly ms: number;
}

/** Options of {@link createCallerNames}. */
export interface CallerNamesOptions {
  readonly config: ConfigStore;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly logger: Logger;
  /** Whether the call is still live (a name for a finished call goes to `onLateName`). */
  readonly isLive: (callId: string) => boolean;
  /** Gives a live call its directory name (the line model's `directory-name` step). */
  readonly annotate: (found: DirectoryNameFound) => void;
  /** A name that arrived after its call finished (the journal row is updated). */
  readonly onLateName?: (found: DirectoryNameFound) => void;
  /** Replaceable in tests. */
  readonly createDirectory?: typeof createDirectory;
}

/** Caller-name lookups of the running daemon; see {@link createCallerNames}. */
export interface CallerNames {
  /** Builds the directory from the config and starts naming calls. Throws on an invalid section. */
  start(): void;
  /** Health of each source, in order (empty when no source is configured). */
  health(): SourceHealth[];
  /** Name search for the dial box. */
  search(text: string, limit?: number): Promise<DirectorySearchHit[]>;
  /** What every source answers for a number (admin "test lookup"), no cache. */
  test(number: string): Promise<DirectoryTestResult>;
  /** Lookups started, names found, names that came after their call ended, since start. */
  readonly stats: { readonly lookups: number; readonly found: number; readonly late: number };
  close(): Promise<void>;
}

/** The parties worth a lookup: the far end (caller of inbound, callee of outbound), and who connected. */
function remoteParties(call: Call): NamedParty[] {
  const parties: NamedParty[] = [call.direction === 'outbound' ? 'calledId' : 'callerId'];
  if (call.connectedId !== null) parties.push('connectedId');
  return parties;
}

function lookupNumber(party: PartyId | null): string | null {
  if (party === null || party.anonymous || party.number === null) return null;
  return party.number;
}

/** The directory part of the config that needs a new Directory when it changes. */
function directoryKey(config: Config): string {
  const { overridePhoneName: _o, ...rest } = config.directory;
  return JSON.stringify([rest, config.dialing]);
}

/** Builds a Directory from the config's `directory` section and dial rules. */
export function buildDirectory(
  section: DirectorySection,
  dialing: Config['dialing'],
  logger: DirectoryLogger,
  create: typeof createDirectory = createDirectory,
): Directory {
  const { overridePhoneName: _o, ...options } = section;
  return create({ ...options, dialing, logger });
}

/**
 * Names calls from the configured directories without ever delaying them: every new call (and
 * every call whose far-end number changes) starts a lookup in the background; when a name comes
 * back while the call is live, `annotate` adds it (a `call-info` change on the hub). The
 * directory is rebuilt when the `directory` section or the dial rules change.
 */
export function createCallerNames(options: CallerNamesOptions): CallerNames {
  const { config, hub, logger } = options;
  const create = options.createDirectory ?? createDirectory;
  const state: {
    directory: Directory | null;
    key: string;
    unsubscribe: (() => void) | null;
    unsubscribeConfig: (() => void) | null;
    closed: boolean;
  } = { directory: null, key: '', unsubscribe: null, unsubscribeConfig: null, closed: false };
  /** callId → `party|number` already looked up for it. */
  const asked = new Map<string, Set<string>>();
  const stats = { lookups: 0, found: 0, late: 0 };

  const closeDirectory = (directory: Directory | null): void => {
    if (directory === null) return;
    directory.close().catch((error: unknown) => {
      logger.warn({ err: error }, 'closing a directory failed');
    });
  };

  const install = (next: Config): void => {
    const directory =
      next.directory.sources.length === 0
        ? null
        : buildDirectory(next.directory, next.dialing, logger, create);
    const old = state.directory;
    state.directory = directory;
    state.key = directoryKey(next);
    closeDirectory(old);
    if (directory !== null) {
      void directory.preload();
      logger.info({ sources: directory.sourceIds }, 'caller-name directory ready');
    }
  };

  const lookup = (call: Call, party: NamedParty, number: string): void => {
    const directory = state.directory;
    if (directory === null) return;
    const seen = asked.get(call.id) ?? new Set<string>();
    const key = `${party}|${number}`;
    if (seen.has(key)) return;
    seen.add(key);
    asked.set(call.id, seen);
    stats.lookups += 1;
    const started = performance.now();
    // Started after the hub has handed the event to every subscriber (SSE, TAPI, journal,
    // webhooks) and the line model's apply() has returned: not even the directory's
    // synchronous part (cache, number forms) runs inside the event's publication.
    void Promise.resolve()
      .then(() => directory.lookup(number))
      .then((match) => {
        if (match === undefined || state.closed) return;
        stats.found += 1;
        const found: DirectoryNameFound = {
          callId: call.id,
          phoneId: call.phoneId,
          party,
          number,
          match,
          ms: performance.now() - started,
        };
        if (options.isLive(call.id)) options.annotate(found);
        else {
          stats.late += 1;
          options.onLateName?.(found);
        }
      })
      .catch((error: unknown) => {
        logger.warn({ err: error, callId: call.id }, 'caller-name lookup failed');
      });
  };

  const onEvent = (event: SnomlinkEvent): void => {
    if (event.type === 'call-finished') {
      asked.delete(event.call.id);
      return;
    }
    if (event.type !== 'call-state' && event.type !== 'call-info') return;
    for (const party of remoteParties(event.call)) {
      const number = lookupNumber(event.call[party]);
      if (number !== null) lookup(event.call, party, number);
    }
  };

  return {
    start() {
      install(config.current);
      state.unsubscribe = hub.subscribe(onEvent);
      state.unsubscribeConfig = config.onChange((next) => {
        if (directoryKey(next) === state.key) return;
        try {
          install(next);
        } catch (error) {
          logger.error({ err: error }, 'the new directory config is invalid; keeping the old one');
        }
      });
    },
    health: () => state.directory?.health() ?? [],
    search: (text, limit) => state.directory?.search(text, limit) ?? Promise.resolve([]),
    test: (number) =>
      state.directory?.test(number) ??
      Promise.resolve({
        number,
        key: null,
        issue: 'no directory source is configured',
        sources: [],
      }),
    get stats() {
      return { ...stats };
    },
    async close() {
      state.closed = true;
      state.unsubscribe?.();
      state.unsubscribeConfig?.();
      asked.clear();
      const directory = state.directory;
      state.directory = null;
      await directory?.close();
    },
  };
}
