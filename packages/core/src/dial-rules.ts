import * as v from 'valibot';

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
export type NumberResult<T> =
  | { readonly success: true; readonly output: T }
  | { readonly success: false; readonly issues: readonly NumberIssue[] };

/**
 * Reported number → E.164 and TAPI canonical form. Strips an outside-line prefix the PBX left on,
 * keeps internal extensions (length <= internalMaxLength) as extensions.
 */
export function normalizeNumber(raw: string, rules: DialRules): NumberResult<NormalizedNumber> {
  void raw;
  void rules;
  throw new Error('normalizeNumber: not implemented yet');
}

/**
 * User-typed number (`+49 30 1234567`, `030/123 45 67`, `tel:` links) → the digits the phone
 * must dial: outside line + national or international form; internal extensions unchanged.
 */
export function toDialable(input: string, rules: DialRules): NumberResult<string> {
  void input;
  void rules;
  throw new Error('toDialable: not implemented yet');
}
