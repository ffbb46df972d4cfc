import type { DirectoryView } from '../api/types.js';

/** One source as `GET /api/directory` lists it (never a password; `hasPassword` instead). */
export type SourceView = DirectoryView['sources'][number];

/** The kinds of source the editor offers. */
export type SourceType = 'ldap' | 'carddav' | 'csv';

/** What the source form edits: text fields as typed; lists comma-separated. */
export interface SourceDraft {
  type: SourceType;
  id: string;
  /** LDAP and CardDAV. */
  url: string;
  /** CSV. */
  path: string;
  delimiter: string;
  nameColumn: string;
  numberColumns: string;
  organizationColumn: string;
  /** LDAP. */
  baseDN: string;
  bindDN: string;
  startTls: boolean;
  filter: string;
  nameAttributes: string;
  numberAttributes: string;
  /** CardDAV. */
  username: string;
  /** Typed here only; empty = keep the stored one (the API never returns it). */
  password: string;
  /** Remove the stored password (sends `""`). */
  clearPassword: boolean;
}

/** An empty draft of a new source of `type`. */
export function emptyDraft(type: SourceType): SourceDraft {
  return {
    type,
    id: '',
    url: '',
    path: '',
    delimiter: '',
    nameColumn: '',
    numberColumns: '',
    organizationColumn: '',
    baseDN: '',
    bindDN: '',
    startTls: false,
    filter: '',
    nameAttributes: '',
    numberAttributes: '',
    username: '',
    password: '',
    clearPassword: false,
  };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const list = (value: unknown): string =>
  Array.isArray(value) ? value.filter((x) => typeof x === 'string').join(', ') : '';

/** The form's draft of a listed source (the password field starts empty). */
export function draftOf(source: SourceView): SourceDraft {
  const s = source as Record<string, unknown>;
  return {
    ...emptyDraft(source.type),
    id: source.id,
    url: text(s['url']),
    path: text(s['path']),
    delimiter: text(s['delimiter']),
    nameColumn: text(s['nameColumn']),
    numberColumns: list(s['numberColumns']),
    organizationColumn: text(s['organizationColumn']),
    baseDN: text(s['baseDN']),
    bindDN: text(s['bindDN']),
    startTls: s['startTls'] === true,
    filter: text(s['filter']),
    nameAttributes: list(s['nameAttributes']),
    numberAttributes: list(s['numberAttributes']),
    username: text(s['username']),
  };
}

/** The fields each type's form shows; other fields of an edited source are kept as they were. */
const FORM_FIELDS: Readonly<Record<SourceType, readonly string[]>> = {
  csv: ['path', 'delimiter', 'nameColumn', 'numberColumns', 'organizationColumn'],
  ldap: ['url', 'baseDN', 'bindDN', 'startTls', 'filter', 'nameAttributes', 'numberAttributes'],
  carddav: ['url', 'username'],
};

const LISTS = new Set(['numberColumns', 'nameAttributes', 'numberAttributes']);

/**
 * The source to send in `PUT /api/directory`: the form's fields (empty ones left out, so the
 * API's defaults apply and its validation names what is missing), the fields the form does not
 * show kept from `original` (same type only), and the password only when typed (`""` when it
 * is to be removed; absent = the daemon keeps the stored one).
 */
export function sourceOf(draft: SourceDraft, original?: SourceView): Record<string, unknown> {
  const shown = new Set(['type', 'id', 'password', 'hasPassword', ...FORM_FIELDS[draft.type]]);
  const kept =
    original !== undefined && original.type === draft.type
      ? Object.entries(original).filter(([key]) => !shown.has(key))
      : [];
  const out: Record<string, unknown> = { type: draft.type };
  if (draft.id.trim() !== '') out['id'] = draft.id.trim();
  for (const [key, value] of kept) out[key] = value;
  for (const field of FORM_FIELDS[draft.type]) {
    const value = draft[field as keyof SourceDraft];
    if (typeof value === 'boolean') {
      if (value) out[field] = true;
    } else if (LISTS.has(field)) {
      const items = value
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (items.length > 0) out[field] = items;
    } else if (value.trim() !== '') {
      out[field] = field === 'delimiter' ? value : value.trim();
    }
  }
  if (draft.type !== 'csv') {
    if (draft.clearPassword) out['password'] = '';
    else if (draft.password !== '') out['password'] = draft.password;
  }
  return out;
}

/**
 * The body of `PUT /api/directory` that replaces the source list and keeps every other setting
 * of the section (timeouts, caches, backoff, which name is shown first) as listed.
 */
export function directoryPutBody(
  view: DirectoryView,
  sources: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const { health: _health, sources: _sources, ...rest } = view;
  return { ...rest, sources };
}

/** The listed sources as a PUT sends them back unchanged (no `hasPassword`; passwords kept). */
export function unchangedSources(view: DirectoryView): Record<string, unknown>[] {
  return view.sources.map((s) => {
    const { hasPassword: _h, ...rest } = s as Record<string, unknown>;
    return rest;
  });
}
