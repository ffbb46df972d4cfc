import type { DialRules } from '@snomlink/core';
import { DirectoryConfigError, DirectorySourceError, describeError } from '../errors.js';
import { parseMultistatus } from '../multistatus.js';
import type { DirectoryEntry, DirectoryLogger } from '../source.js';
import { parseVCards } from '../vcard.js';
import { createIndexedSource, type IndexedSource } from './indexed-source.js';

/** Options of {@link createCardDavSource} (the `type: 'carddav'` entry of the directory config). */
export interface CardDavSourceOptions {
  readonly id: string;
  /** The address book collection, e.g. `https://cloud.example.com/remote.php/dav/addressbooks/users/cti/contacts/`. */
  readonly url: string;
  /** HTTP Basic credentials; both unset = no authentication. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Reload the address book when the loaded copy is older than this, ms (default 5 min). */
  readonly refreshMs?: number | undefined;
  /** Limit of one load of the address book, ms (default 30 s). */
  readonly loadTimeoutMs?: number | undefined;
}

/** The addressbook-query REPORT (RFC 6352 §8.6) asking for every card's data; an empty filter matches all. */
export const ADDRESSBOOK_QUERY = `<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:getetag/><C:address-data/></D:prop>
  <C:filter/>
</C:addressbook-query>`;

/**
 * A CardDAV address book (Nextcloud, Radicale, SOGo, iCloud…): one addressbook-query REPORT
 * loads every vCard, parsed with ical.js and indexed by E.164 key. Numbers are matched locally
 * because servers compare TEL values as text, which misses `030 1234567` vs `+49301234567`.
 */
export function createCardDavSource(
  options: CardDavSourceOptions,
  dialing: DialRules,
  logger?: DirectoryLogger,
): IndexedSource {
  let url: URL;
  try {
    url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    const issue = `url "${options.url}" must be the address book's http:// or https:// URL`;
    throw new DirectoryConfigError(`CardDAV source "${options.id}": ${issue}`, {
      issues: [issue],
      sourceId: options.id,
    });
  }
  const headers: Record<string, string> = {
    Depth: '1',
    'Content-Type': 'application/xml; charset=utf-8',
    Accept: 'application/xml, text/xml',
  };
  if (options.username !== undefined) {
    const token = Buffer.from(`${options.username}:${options.password ?? ''}`, 'utf8').toString(
      'base64',
    );
    headers.Authorization = `Basic ${token}`;
  }
  const refreshMs = options.refreshMs ?? 300_000;

  const load = async (signal: AbortSignal): Promise<DirectoryEntry[]> => {
    let body: string;
    try {
      const response = await fetch(url, {
        method: 'REPORT',
        headers,
        body: ADDRESSBOOK_QUERY,
        signal,
      });
      body = await response.text();
      if (response.status !== 207) {
        throw new Error(
          `HTTP ${response.status} ${response.statusText}${response.status === 401 ? ' (check username and password)' : ''}`,
        );
      }
    } catch (e) {
      throw new DirectorySourceError(
        `CardDAV source "${options.id}" (${url.origin}${url.pathname}) failed: ${describeError(e)}`,
        { sourceId: options.id, cause: e },
      );
    }
    const entries: DirectoryEntry[] = [];
    let bad = 0;
    for (const item of parseMultistatus(body)) {
      if (item.addressData === null) continue;
      const parsed = parseVCards(item.addressData, item.href, dialing);
      entries.push(...parsed.entries);
      bad += parsed.issues.length;
    }
    if (bad > 0) {
      logger?.warn(
        { source: options.id, bad },
        `directory source "${options.id}": ${bad} vCards could not be read and were skipped`,
      );
    }
    return entries;
  };

  return createIndexedSource({
    id: options.id,
    kind: 'carddav',
    load,
    isStale: (loadedAt) => Date.now() - loadedAt >= refreshMs,
    loadTimeoutMs: options.loadTimeoutMs,
    logger,
  });
}
