/** What a phone reported as a party, taken apart. */
export interface ParsedAddress {
  /** User part (`+4930123456`, `201`, `**21`); null when anonymous or unknown. */
  readonly user: string | null;
  /** Host part (`pbx.example`), null for bare numbers and tel: URIs. */
  readonly host: string | null;
  /** Display name (`Anna Müller`), null when none. */
  readonly displayName: string | null;
  /** The caller withheld the number (`anonymous@anonymous.invalid`, `Anonymous`, `restricted`). */
  readonly anonymous: boolean;
  /** Nothing usable was reported (empty, a literal unexpanded `$remote`). */
  readonly unknown: boolean;
  /** The input as given. */
  readonly raw: string;
}

/**
 * Parses `sip:`/`sips:`/`tel:` URIs, `"Name" <sip:…>`, bare numbers and anonymous forms.
 * Never throws.
 */
export function parseAddress(raw: string | null | undefined): ParsedAddress {
  void raw;
  throw new Error('parseAddress: not implemented yet');
}
