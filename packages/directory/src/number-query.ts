import { normalizeNumber, type DialRules, type NormalizedNumber } from '@snomlink/core';

/**
 * A number to look up, in every form a directory may have stored it. `key` is what two numbers
 * must share to be the same: the E.164 form of an outside number, `ext:<digits>` of an extension.
 */
export interface NumberQuery {
  readonly key: string;
  readonly kind: 'external' | 'internal';
  readonly normalized: NormalizedNumber;
  readonly forms: NumberForms;
}

/**
 * The forms an LDAP filter template can name (`{e164}`, `{national}`, …). Every form always has a
 * value: where a form does not exist for a number (no national form of a foreign number), it is
 * the E.164 form, or the extension's digits for an internal number.
 */
export type NumberForms = {
  /** `+49301234567` */
  readonly e164: string;
  /** `49301234567` (E.164 without the plus) */
  readonly e164digits: string;
  /** `0301234567` (national prefix + national number; E.164 for foreign numbers) */
  readonly national: string;
  /** `0049301234567` (international prefix + E.164 digits) */
  readonly international: string;
  /** `+49 (30) 1234567` (TAPI canonical) */
  readonly canonical: string;
  /** `1234567` (the number without the own area code; E.164 elsewhere) */
  readonly subscriber: string;
  /** The extension's digits for an internal number; the E.164 form otherwise. */
  readonly extension: string;
};

/** The placeholder names an LDAP filter template may use besides `{query}`. */
export const NUMBER_FORM_NAMES: readonly (keyof NumberForms)[] = [
  'e164',
  'e164digits',
  'national',
  'international',
  'canonical',
  'subscriber',
  'extension',
];

/**
 * The comparison key of a number as reported or as stored, or null when it is no number we can
 * match (empty, letters, service codes like `*21#`). Uses core's dial rules, so `030 1234567`,
 * `+49 (30) 1234567` and `0049301234567` share the key `+49301234567` in Berlin.
 */
export function numberKey(raw: string, rules: DialRules): string | null {
  const result = normalizeNumber(raw, rules);
  if (!result.success) return null;
  const n = result.output;
  if (n.kind === 'external' && n.e164 !== null) return n.e164;
  if (n.kind === 'internal') return `ext:${n.digits}`;
  return null;
}

/** A reported number as a {@link NumberQuery}, or null when it cannot be matched. */
export function toNumberQuery(raw: string, rules: DialRules): NumberQuery | null {
  const result = normalizeNumber(raw, rules);
  if (!result.success) return null;
  const n = result.output;
  if (n.kind === 'internal') {
    const d = n.digits;
    const forms: NumberForms = {
      e164: d,
      e164digits: d,
      national: d,
      international: d,
      canonical: d,
      subscriber: d,
      extension: d,
    };
    return { key: `ext:${d}`, kind: 'internal', normalized: n, forms };
  }
  if (n.kind !== 'external' || n.e164 === null) return null;
  const e164 = n.e164;
  const digits = e164.slice(1);
  const own = `+${rules.countryCode}`;
  const nsn = e164.startsWith(own) ? e164.slice(own.length) : null;
  const national = nsn === null ? e164 : `${rules.nationalPrefix}${nsn}`;
  const subscriber =
    nsn !== null && rules.areaCode !== '' && nsn.startsWith(rules.areaCode)
      ? nsn.slice(rules.areaCode.length)
      : e164;
  const forms: NumberForms = {
    e164,
    e164digits: digits,
    national,
    international: `${rules.internationalPrefix}${digits}`,
    canonical: n.canonical,
    subscriber,
    extension: e164,
  };
  return { key: e164, kind: 'external', normalized: n, forms };
}
