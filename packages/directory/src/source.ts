import type { NumberQuery } from './number-query.js';

/** One phone number of a directory entry, as stored, with its comparison key. */
export interface DirectoryNumber {
  /** What kind of number the source says it is: `work`, `mobile`, `home`, `fax`, the attribute name… */
  readonly label: string;
  /** As stored in the directory (`030 1234567`). */
  readonly value: string;
  /** E.164 (`+49301234567`) or `ext:<digits>`; null when the stored value is no dialable number. */
  readonly key: string | null;
}

/** A person or company as a source returns it. */
export interface DirectoryEntry {
  /** Where the source keeps it: the DN, the vCard's href, `<file>:<row>`. */
  readonly id: string;
  readonly name: string;
  readonly organization: string | null;
  readonly numbers: readonly DirectoryNumber[];
}

/** Kinds of the built-in sources; a custom source may name its own. */
export type DirectorySourceKind = 'ldap' | 'carddav' | 'csv' | (string & {});

/**
 * A place to look numbers and names up. The built-in ones come from {@link createLdapSource},
 * {@link createCardDavSource} and {@link createCsvSource}; an embedder may pass its own object.
 * Both methods may reject (the directory counts that against the source's health) and should
 * give up when `signal` aborts (the directory's timeout).
 */
export interface DirectorySource {
  /** Unique among the directory's sources; names the source in health entries and matches. */
  readonly id: string;
  readonly kind: DirectorySourceKind;
  /** The entry holding this number (compared by `query.key`), or undefined. */
  lookup(query: NumberQuery, signal: AbortSignal): Promise<DirectoryEntry | undefined>;
  /** Entries whose name (or organization) contains every word of `text`, at most `limit`. */
  search(text: string, limit: number, signal: AbortSignal): Promise<readonly DirectoryEntry[]>;
  /** Releases connections and files; the source is not used afterwards. */
  close(): Promise<void>;
}

/** Minimal logger the directory writes to (pino fits). */
export interface DirectoryLogger {
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}
