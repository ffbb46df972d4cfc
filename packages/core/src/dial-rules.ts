import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/min';
import * as v from 'valibot';
import { parseAddress } from './address.js';

/**
 * Where the phones are and how their PBX dials out, like TAPI's dialing location.
 * Example (Berlin, outside line 0): `{ countryCode: '49', areaCode: '30', internationalPrefix: '00',
 * nationalPrefix: '0', outsideLine: '0', internalMaxLength: 4 }`.
 */
export const dialRulesSchema = v.object({
  countryCode: v.pipe(
    v.string(),
    v.regex(/^[1-9]\d{0,2}$/, 'countryCode is 1-3 digits, e.g. "49"'),
  ),
  areaCode: v.pipe(
    v.string(),
    v.regex(/^\d{0,6}$/, 'areaCode is up to 6 digits without the national prefix, e.g. "30"'),
  ),
  internationalPrefix: v.pipe(
    v.string(),
    v.regex(/^\d{1,4}$/, 'internationalPrefix is digits, e.g. "00" or "011"'),
  ),
  nationalPrefix: v.pipe(
    v.string(),
    v.regex(/^\d{0,2}$/, 'nationalPrefix is up to 2 digits, e.g. "0", or empty'),
  ),
  outsideLine: v.pipe(
    v.string(),
    v.regex(/^[\d*#]{0,4}$/, 'outsideLine is up to 4 digits, e.g. "0", or empty'),
  ),
  internalMaxLength: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8)),
});
/** How numbers are normalised and made dialable at this site (see `dialRulesSchema`). */
export type DialRules = v.InferOutput<typeof dialRulesSchema>;

/** Default rules: Germany, no area code, no outside line, extensions up to 4 digits. */
export const DEFAULT_DIAL_RULES: DialRules = {
  countryCode: '49',
  areaCode: '',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '',
  internalMaxLength: 4,
};

/** A number as we understand it, in every form an application needs. */
export interface NormalizedNumber {
  /** `internal` extension, `external` number, or `special` (service codes like `**21`, `*31#`). */
  readonly kind: 'internal' | 'external' | 'special';
  /** Digits as reported, cleaned of separators and any outside-line prefix. */
  readonly digits: string;
  /** E.164 (`+49301234567`) for external numbers, else null. */
  readonly e164: string | null;
  /** TAPI canonical form: `+49 (30) 1234567` for external numbers, the digits otherwise. */
  readonly canonical: string;
}

/** An expected failure, as data (valibot's safeParse shape). */
export interface NumberIssue {
  readonly code: 'empty' | 'invalid-characters' | 'too-long' | 'too-short' | 'invalid-number';
  readonly message: string;
}
/**
 * A number operation's result: the output, or why the input is not a usable number (expected
 * failures are data, not exceptions).
 */
export type NumberResult<T> =
  | { readonly success: true; readonly output: T }
  | { readonly success: false; readonly issues: readonly NumberIssue[] };

/** Longest digit string accepted (E.164 allows 15, plus room for prefixes). */
export const MAX_NUMBER_DIGITS = 20;

type Cleaned =
  | { readonly ok: true; readonly plus: boolean; readonly body: string }
  | { readonly ok: false; readonly issue: NumberIssue };

function fail<T>(code: NumberIssue['code'], message: string): NumberResult<T> {
  return { success: false, issues: [{ code, message }] };
}

/** Takes URIs apart, removes visual separators and the `(0)` of `+49 (0)30 …`, checks characters. */
function clean(raw: unknown): Cleaned {
  if (typeof raw !== 'string') {
    return { ok: false, issue: { code: 'empty', message: 'no number was given; pass a string' } };
  }
  let text = raw.trim();
  if (/^(sips?|tel):/i.test(text) || /[@<]/.test(text)) text = parseAddress(text).user ?? '';
  text = text.replace(/[\s\u00a0\u2007\u202f]+/g, ' ').trim();
  if (text === '') {
    return { ok: false, issue: { code: 'empty', message: 'the number is empty; enter digits' } };
  }
  if (/^\$[a-z]/i.test(text)) {
    return {
      ok: false,
      issue: {
        code: 'empty',
        message: `the phone sent the literal variable "${text.slice(0, 40)}" instead of a number; check the Action URL and the phone's firmware`,
      },
    };
  }
  let plus = false;
  if (text.startsWith('+')) {
    plus = true;
    text = text.slice(1).replace(/\(\s*0\s*\)/g, '');
  }
  const body = text.replace(/[\s\-./()[\]]/g, '');
  if (!/^[\d*#]*$/.test(body)) {
    return {
      ok: false,
      issue: {
        code: 'invalid-characters',
        message: `"${raw.slice(0, 40)}" contains characters other than digits, +, *, #, spaces and - . / ( ); enter the number in digits`,
      },
    };
  }
  if (body.length > MAX_NUMBER_DIGITS) {
    return {
      ok: false,
      issue: {
        code: 'too-long',
        message: `the number has ${body.length} digits; at most ${MAX_NUMBER_DIGITS} are accepted`,
      },
    };
  }
  if (body === '') {
    return {
      ok: false,
      issue: {
        code: plus ? 'too-short' : 'empty',
        message: 'the number has no digits; enter digits',
      },
    };
  }
  return { ok: true, plus, body };
}

/** One way to read the digits: with or without a leading outside-line prefix. */
interface Reading {
  readonly digits: string;
  readonly number: PhoneNumber;
}

function parseE164(e164: string): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(e164);
  } catch {
    return undefined;
  }
}

/** E.164 candidates for digits without `+`, most likely first. */
function interpret(digits: string, rules: DialRules): string[] {
  const { internationalPrefix: intl, nationalPrefix: natl, countryCode: cc, areaCode } = rules;
  if (intl !== '' && digits.startsWith(intl)) return [`+${digits.slice(intl.length)}`];
  if (natl !== '' && digits.startsWith(natl)) return [`+${cc}${digits.slice(natl.length)}`];
  return areaCode === '' ? [`+${cc}${digits}`] : [`+${cc}${areaCode}${digits}`, `+${cc}${digits}`];
}

/**
 * Picks the reading of an external number: the first valid one (libphonenumber metadata),
 * else the first possible one (length check). The digits are read as they are first; only when
 * that gives no valid number is a leading outside-line prefix removed (`0 030…` with outside
 * line 0). So a number valid both ways (`0041…` in Germany with outside line 0) is read as is.
 */
function readExternal(plus: boolean, body: string, rules: DialRules): Reading | NumberIssue {
  const candidates: { digits: string; e164: string }[] = [];
  if (plus) {
    candidates.push({ digits: `+${body}`, e164: `+${body}` });
  } else {
    const asIs = interpret(body, rules).map((e164) => ({ digits: body, e164 }));
    const out = rules.outsideLine;
    candidates.push(...asIs);
    if (out !== '' && body.startsWith(out) && body.length - out.length > rules.internalMaxLength) {
      const rest = body.slice(out.length);
      candidates.push(...interpret(rest, rules).map((e164) => ({ digits: rest, e164 })));
    }
  }
  let possible: Reading | null = null;
  for (const candidate of candidates) {
    const number = parseE164(candidate.e164);
    if (number === undefined) continue;
    // With one reading there is nothing to choose: skip the (costly) validity check.
    if (candidates.length === 1 && number.isPossible()) return { digits: candidate.digits, number };
    if (candidates.length > 1 && number.isValid()) return { digits: candidate.digits, number };
    if (possible === null && number.isPossible()) possible = { digits: candidate.digits, number };
  }
  if (possible !== null) return possible;
  const digitCount = body.length;
  if (digitCount < 5) {
    return {
      code: 'too-short',
      message: `"${body}" is too short for an outside number and longer than an extension (internalMaxLength ${rules.internalMaxLength})`,
    };
  }
  return {
    code: 'invalid-number',
    message: `"${plus ? '+' : ''}${body}" is not a valid phone number for country code +${rules.countryCode}; check the number and the dial rules`,
  };
}

/** The first group of the international format: the national destination (area) code. */
function splitNationalNumber(number: PhoneNumber): { area: string | null; subscriber: string } {
  const groups = number
    .formatInternational()
    .split(' ')
    .slice(1)
    .map((group) => group.replace(/\D/g, ''))
    .filter((group) => group !== '');
  const nsn = number.nationalNumber;
  const area = groups[0];
  if (groups.length < 2 || area === undefined || !nsn.startsWith(area)) {
    return { area: null, subscriber: nsn };
  }
  return { area, subscriber: nsn.slice(area.length) };
}

/** TAPI canonical form `+49 (30) 1234567` of a parsed number. */
function canonicalOf(number: PhoneNumber): string {
  const { area, subscriber } = splitNationalNumber(number);
  const cc = number.countryCallingCode;
  return area === null ? `+${cc} ${subscriber}` : `+${cc} (${area}) ${subscriber}`;
}

function isSpecial(body: string): boolean {
  return /[*#]/.test(body);
}

/**
 * Reported number → E.164 and TAPI canonical form. Strips an outside-line prefix the PBX left on,
 * keeps internal extensions (length <= internalMaxLength) as extensions.
 * Accepts bare digits with separators, `+49 (0)30 …`, and `sip:`/`tel:` URIs. Never throws.
 * Results are cached per rules object (the last 2,048 inputs other than plain-digit extensions),
 * so treat them as read-only.
 */
export function normalizeNumber(raw: string, rules: DialRules): NumberResult<NormalizedNumber> {
  if (typeof raw !== 'string') return normalizeUncached(raw, rules);
  // An extension in plain digits (every event's own line, `$local`) needs no parsing: answered
  // here, it stays out of the cache, which 1,000 phones' extensions would otherwise half fill,
  // pushing out the callers' numbers that do cost a libphonenumber parse each.
  if (raw.length <= rules.internalMaxLength && PLAIN_DIGITS.test(raw)) {
    return { success: true, output: { kind: 'internal', digits: raw, e164: null, canonical: raw } };
  }
  let cache = normalizeCache.get(rules);
  if (cache === undefined) {
    cache = new Map();
    normalizeCache.set(rules, cache);
  }
  const hit = cache.get(raw);
  if (hit !== undefined) {
    // Refresh: Map keeps insertion order, so the first key is the least recently used.
    cache.delete(raw);
    cache.set(raw, hit);
    return hit;
  }
  const result = normalizeUncached(raw, rules);
  cache.set(raw, result);
  if (cache.size > NORMALIZE_CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return result;
}

const PLAIN_DIGITS = /^\d+$/;

/** Results per rules object (LRU): phones report the same few numbers again and again. */
const NORMALIZE_CACHE_SIZE = 2048;
const normalizeCache = new WeakMap<DialRules, Map<string, NumberResult<NormalizedNumber>>>();

function normalizeUncached(raw: string, rules: DialRules): NumberResult<NormalizedNumber> {
  const cleaned = clean(raw);
  if (!cleaned.ok) return { success: false, issues: [cleaned.issue] };
  const { plus, body } = cleaned;
  if (isSpecial(body)) {
    const digits = plus ? `+${body}` : body;
    return { success: true, output: { kind: 'special', digits, e164: null, canonical: digits } };
  }
  if (!plus && body.length <= rules.internalMaxLength) {
    return {
      success: true,
      output: { kind: 'internal', digits: body, e164: null, canonical: body },
    };
  }
  const reading = readExternal(plus, body, rules);
  if (!('number' in reading)) return { success: false, issues: [reading] };
  return {
    success: true,
    output: {
      kind: 'external',
      digits: reading.digits,
      e164: reading.number.number,
      canonical: canonicalOf(reading.number),
    },
  };
}

/**
 * User-typed number (`+49 30 1234567`, `030/123 45 67`, `tel:` links) → the digits the phone
 * must dial: outside line + national or international form; internal extensions unchanged.
 * Like TAPI's lineTranslateAddress: same area code → subscriber number only, same country →
 * national prefix + national number, else international prefix + country code + number.
 * Service codes (`*`, `#`) are dialled as typed. Never throws.
 */
export function toDialable(input: string, rules: DialRules): NumberResult<string> {
  const cleaned = clean(input);
  if (!cleaned.ok) return { success: false, issues: [cleaned.issue] };
  const { plus, body } = cleaned;
  if (isSpecial(body)) {
    if (plus) return fail('invalid-characters', `"+${body}": a service code cannot start with +`);
    return { success: true, output: body };
  }
  if (!plus && body.length <= rules.internalMaxLength) return { success: true, output: body };
  const reading = readExternal(plus, body, rules);
  if (!('number' in reading)) return { success: false, issues: [reading] };
  const { number } = reading;
  const cc = number.countryCallingCode;
  const nsn = number.nationalNumber;
  let dial: string;
  if (cc === rules.countryCode) {
    const { area, subscriber } = splitNationalNumber(number);
    dial =
      rules.areaCode !== '' && area === rules.areaCode
        ? subscriber
        : `${rules.nationalPrefix}${nsn}`;
  } else {
    dial = `${rules.internationalPrefix}${cc}${nsn}`;
  }
  return { success: true, output: `${rules.outsideLine}${dial}` };
}
