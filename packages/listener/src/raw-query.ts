import type { ActionEventParams } from '@snomlink/core';

/** The query keys the Action URL template uses, and the event field each one fills. */
export const QUERY_KEYS = {
  cid: 'callId',
  n: 'nrOngoingCalls',
  user: 'activeUser',
  local: 'local',
  remote: 'remote',
  dr: 'displayRemote',
} as const;

/** snom runtime variables (snom-protocol.md §1.3): a value equal to `$name` was not expanded. */
const SNOM_TOKENS = new Set([
  '$local',
  '$remote',
  '$active_url',
  '$active_user',
  '$active_host',
  '$csta_id',
  '$call-id',
  '$display_local',
  '$display_remote',
  '$expansion_module',
  '$active_key',
  '$phone_ip',
  '$local_ip',
  '$nr_ongoing_calls',
  '$context_url',
  '$cancel_reason',
  '$longpress_key',
  '$mac',
]);

/** The Action URL query split into its raw (still encoded) parts. */
export interface RawActionQuery {
  /** `k=`, the phone's secret, exactly as sent (never decoded). */
  secret: string | undefined;
  /** Raw values by query key; the first occurrence of a key wins, except `dr` (see below). */
  values: Partial<Record<keyof typeof QUERY_KEYS, string>>;
  /** More than `MAX_QUERY_PARTS` parts: the rest was not read (the listener answers 400). */
  tooManyParts?: true;
}

/** Result of turning a raw query into event params: the params, or what was wrong. */
export type ParamsResult =
  { success: true; params: ActionEventParams } | { success: false; detail: string };

/**
 * The known key spelled in `query` from `start` to `end` (the `=`), without cutting it out:
 * this runs for every key of every event. `dr` never gets here (it ends the split).
 */
function keyAt(
  query: string,
  start: number,
  end: number,
): 'k' | Exclude<keyof typeof QUERY_KEYS, 'dr'> | undefined {
  switch (end - start) {
    case 1: {
      const c = query.charCodeAt(start);
      return c === 107 ? 'k' : c === 110 ? 'n' : undefined;
    }
    case 3:
      return query.startsWith('cid', start) ? 'cid' : undefined;
    case 4:
      return query.startsWith('user', start) ? 'user' : undefined;
    case 5:
      return query.startsWith('local', start) ? 'local' : undefined;
    case 6:
      return query.startsWith('remote', start) ? 'remote' : undefined;
    default:
      return undefined;
  }
}

/** Most `&`-separated parts of a query that are read; a phone sends seven. */
export const MAX_QUERY_PARTS = 64;

/**
 * Splits an Action URL query the way phones write it: keys in any order, separated by `&`,
 * the first occurrence of a key wins (so a caller-controlled `$remote` cannot override `k`),
 * and `dr=` takes everything to the end of the query, `&`, `#`, `=` and spaces included.
 * `+` is never turned into a space.
 *
 * Linear whatever the query: the searches for `&` and `=` each move forward only, and at most
 * `MAX_QUERY_PARTS` parts are read (a query with more sets `tooManyParts`, answered 400).
 */
export function splitActionQuery(query: string): RawActionQuery {
  const values: RawActionQuery['values'] = {};
  let secret: string | undefined;
  const length = query.length;
  let pos = 0;
  let parts = 0;
  let eq = -1;
  while (pos < length) {
    if (++parts > MAX_QUERY_PARTS) return { secret, values, tooManyParts: true };
    if (query.startsWith('dr=', pos)) {
      values.dr ??= query.slice(pos + 3);
      break;
    }
    let end = query.indexOf('&', pos);
    if (end < 0) end = length;
    if (eq < pos) {
      eq = query.indexOf('=', pos);
      if (eq < 0) eq = length; // no `=` anywhere after here: never searched again
    }
    if (eq < end) {
      const key = keyAt(query, pos, eq);
      if (key === 'k') {
        secret ??= query.slice(eq + 1, end);
      } else if (key !== undefined) {
        values[key] ??= query.slice(eq + 1, end);
      }
    }
    pos = end + 1;
  }
  return { secret, values };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

// C0 controls, DEL and C1 controls become a space: a display name is hostile input that
// ends up in logs and UIs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Decodes one raw query value: valid `%XX` escapes become bytes, invalid ones stay as they are,
 * `+` stays `+`; the bytes are read as UTF-8 when they are valid UTF-8, else as Latin-1.
 * Control characters become spaces.
 */
export function decodeRawValue(raw: string): string {
  let plain = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 || c > 0x7e || c < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return raw;
  // Fast path: well-formed escapes of valid UTF-8 (what an encoding phone or front sends).
  try {
    return decodeURIComponent(raw).replace(CONTROL, ' ');
  } catch {
    // An invalid escape or Latin-1 bytes: decode byte by byte below.
  }
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 && i + 2 < raw.length) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      bytes.push(c);
    } else {
      // Already text (never the case for a URL that went through the HTTP parser): keep it.
      const cp = raw.codePointAt(i) ?? c;
      const encoded = Buffer.from(String.fromCodePoint(cp), 'utf8');
      for (const b of encoded) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  const buffer = Uint8Array.from(bytes);
  let text: string;
  try {
    text = utf8.decode(buffer);
  } catch {
    text = latin1.decode(buffer);
  }
  return text.replace(CONTROL, ' ');
}

function present(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  // Trimmed: a raw trailing space cannot be told apart from the space before ` HTTP/1.1`.
  const value = decodeRawValue(raw).trim();
  if (value === '' || (value.charCodeAt(0) === 36 && SNOM_TOKENS.has(value))) return undefined;
  return value;
}

/** Longest value per field, as in core's `actionEventParamsSchema` (checked in the tests). */
export const PARAM_MAX_LENGTH = {
  callId: 512,
  activeUser: 512,
  local: 2048,
  remote: 2048,
  displayRemote: 4096,
} as const;

/** The free-text params and their query keys, in the order they are checked. */
const TEXT_FIELDS = [
  ['callId', 'cid'],
  ['activeUser', 'user'],
  ['local', 'local'],
  ['remote', 'remote'],
  ['displayRemote', 'dr'],
] as const;

/**
 * Turns the raw query values into core `ActionEventParams`: decoded, trimmed, with empty values
 * and literal unexpanded `$variables` left out. Malformed: a non-numeric or too large `n=`, or a
 * value longer than core's schema allows. (Checked by hand rather than with valibot: this runs
 * for every event on the hot path.)
 */
export function toActionEventParams(values: RawActionQuery['values']): ParamsResult {
  const params: ActionEventParams = {};
  const n = present(values.n);
  if (n !== undefined) {
    if (!/^\d{1,4}$/.test(n) || Number(n) > 1000) {
      return {
        success: false,
        detail: 'n= ($nr_ongoing_calls) must be a whole number between 0 and 1000',
      };
    }
    params.nrOngoingCalls = Number(n);
  }
  for (const [field, key] of TEXT_FIELDS) {
    const value = present(values[key]);
    if (value === undefined) continue;
    if (value.length > PARAM_MAX_LENGTH[field]) {
      return {
        success: false,
        detail: `${key}= is longer than ${String(PARAM_MAX_LENGTH[field])} characters`,
      };
    }
    params[field] = value;
  }
  return { success: true, params };
}
