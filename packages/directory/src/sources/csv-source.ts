import { readFile, stat } from 'node:fs/promises';
import type { DialRules } from '@snomlink/core';
import { parse } from 'csv-parse/sync';
import { DirectoryConfigError, DirectorySourceError, describeError } from '../errors.js';
import { numberKey } from '../number-query.js';
import type { DirectoryEntry, DirectoryLogger } from '../source.js';
import { createIndexedSource, type IndexedSource } from './indexed-source.js';

/** Options of {@link createCsvSource} (the `type: 'csv'` entry of the directory config). */
export interface CsvSourceOptions {
  readonly id: string;
  /** The CSV file; its first row names the columns. UTF-8, with or without BOM. */
  readonly path: string;
  /** Field separator; default: `;` when the header row has more `;` than `,`, else `,`. */
  readonly delimiter?: string | undefined;
  /** Column with the name; default the first of name, display name, full name, fn, cn; else first + last name. */
  readonly nameColumn?: string | undefined;
  /** Columns with numbers; default every column whose header says phone, tel, mobile, fax, number… */
  readonly numberColumns?: readonly string[] | undefined;
  readonly organizationColumn?: string | undefined;
  /** How often at most the file's mtime is checked for a reload, ms (default 5 s). */
  readonly checkMs?: number | undefined;
}

/** Files larger than this are refused: a CRM export of a few 100,000 rows stays well below. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

const NAME_HEADERS = [
  'name',
  'display name',
  'displayname',
  'full name',
  'fullname',
  'fn',
  'cn',
  'contact',
];
const FIRST_HEADERS = ['first name', 'firstname', 'given name', 'givenname', 'vorname'];
const LAST_HEADERS = ['last name', 'lastname', 'surname', 'family name', 'sn', 'nachname'];
const ORG_HEADERS = ['organization', 'organisation', 'company', 'firma', 'o', 'org'];
const NUMBER_HEADER = /phone|tel|mobil|cell|fax|number|nummer|handy|durchwahl|extension/i;

function findColumn(headers: readonly string[], wanted: readonly string[]): string | undefined {
  return headers.find((h) => wanted.includes(h.trim().toLowerCase()));
}

/**
 * A CSV export (CRM, Outlook, a spreadsheet), parsed with csv-parse and indexed by E.164 key.
 * The file is read on the first lookup and again when its modification time changes.
 */
export function createCsvSource(
  options: CsvSourceOptions,
  dialing: DialRules,
  logger?: DirectoryLogger,
): IndexedSource {
  if (options.path.trim() === '') {
    const issue = 'path is empty; give the CSV file';
    throw new DirectoryConfigError(`CSV source "${options.id}": ${issue}`, {
      issues: [issue],
      sourceId: options.id,
    });
  }
  const checkMs = options.checkMs ?? 5000;
  let loadedMtime = -1;
  let checkedAt = 0;

  const fail = (message: string, cause?: unknown): DirectorySourceError =>
    new DirectorySourceError(`CSV source "${options.id}" (${options.path}): ${message}`, {
      sourceId: options.id,
      cause,
    });

  const load = async (signal: AbortSignal): Promise<DirectoryEntry[]> => {
    let text: string;
    let mtime: number;
    try {
      const info = await stat(options.path);
      if (info.size > MAX_CSV_BYTES)
        throw new Error(`the file has ${info.size} bytes; at most ${MAX_CSV_BYTES} are read`);
      mtime = info.mtimeMs;
      text = await readFile(options.path, { encoding: 'utf8', signal });
    } catch (e) {
      throw fail(describeError(e), e);
    }
    const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
    const delimiter =
      options.delimiter ??
      ((firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',');
    let rows: Record<string, string>[];
    try {
      rows = parse(text, {
        columns: true,
        bom: true,
        delimiter,
        skip_empty_lines: true,
        trim: true,
        relax_column_count: true,
      });
    } catch (e) {
      throw fail(`not readable as CSV: ${describeError(e)}`, e);
    }
    const headers = Object.keys(rows[0] ?? {});
    const nameColumn = options.nameColumn ?? findColumn(headers, NAME_HEADERS);
    const first = findColumn(headers, FIRST_HEADERS);
    const last = findColumn(headers, LAST_HEADERS);
    const orgColumn = options.organizationColumn ?? findColumn(headers, ORG_HEADERS);
    const numberColumns = options.numberColumns ?? headers.filter((h) => NUMBER_HEADER.test(h));
    const missing = [
      nameColumn,
      ...(options.numberColumns ?? []),
      options.organizationColumn,
    ].filter((c): c is string => c !== undefined && rows.length > 0 && !headers.includes(c));
    if (
      missing.length > 0 ||
      (nameColumn === undefined &&
        first === undefined &&
        last === undefined &&
        orgColumn === undefined)
    ) {
      throw fail(
        `the header row (${headers.join(', ')}) has no column ${missing.length > 0 ? missing.join(', ') : 'for the name'}; set nameColumn / numberColumns`,
      );
    }
    const entries: DirectoryEntry[] = [];
    rows.forEach((row, i) => {
      const org = orgColumn === undefined ? '' : (row[orgColumn] ?? '');
      const name =
        (nameColumn === undefined ? '' : (row[nameColumn] ?? '')) ||
        [first, last]
          .map((c) => (c === undefined ? '' : (row[c] ?? '')))
          .filter((s) => s !== '')
          .join(' ') ||
        org;
      const numbers = numberColumns
        .map((label) => ({ label, value: row[label] ?? '' }))
        .filter((n) => n.value !== '')
        .map((n) => ({ ...n, key: numberKey(n.value, dialing) }));
      if (name === '' || numbers.length === 0) return;
      entries.push({
        id: `${options.path}:${i + 2}`,
        name,
        organization: org === '' ? null : org,
        numbers,
      });
    });
    loadedMtime = mtime;
    return entries;
  };

  return createIndexedSource({
    id: options.id,
    kind: 'csv',
    load,
    async isStale() {
      if (Date.now() - checkedAt < checkMs) return false;
      checkedAt = Date.now();
      try {
        return (await stat(options.path)).mtimeMs !== loadedMtime;
      } catch {
        return true; // the reload reports the error and keeps the last good index
      }
    },
    logger,
  });
}
