import { cleanDisplayName, parseAddress } from './address.js';
import type { CallLocality, PartyId } from './call.js';
import { DEFAULT_DIAL_RULES, normalizeNumber, type DialRules } from './dial-rules.js';

/** The party of a call nobody reported yet. */
export const UNKNOWN_PARTY: PartyId = Object.freeze({
  number: null,
  displayName: null,
  canonical: null,
  e164: null,
  anonymous: true,
  raw: null,
});

/**
 * Builds a PartyId from a reported address (`$remote`, `$local`) and display name, filling the
 * canonical and E.164 forms through the dial rules. Never throws.
 */
export function partyFromAddress(
  raw: string | null | undefined,
  displayName: string | null | undefined,
  rules: DialRules = DEFAULT_DIAL_RULES,
): PartyId {
  const parsed = parseAddress(raw);
  const name = cleanDisplayName(displayName) ?? parsed.displayName;
  const rawText = typeof raw === 'string' && raw.trim() !== '' ? raw : null;
  if (parsed.user === null) {
    if (rawText === null && name === null) return UNKNOWN_PARTY;
    return { ...UNKNOWN_PARTY, displayName: name, raw: rawText };
  }
  const normalized = normalizeNumber(parsed.user, rules);
  return {
    number: parsed.user,
    displayName: name,
    canonical: normalized.success ? normalized.output.canonical : null,
    e164: normalized.success ? normalized.output.e164 : null,
    anonymous: false,
    raw: rawText,
  };
}

/** Internal when the party is an extension, external when it has an E.164 form. */
export function localityOf(party: PartyId): CallLocality {
  if (party.e164 !== null) return 'external';
  if (party.canonical !== null && /^\d+$/.test(party.canonical)) return 'internal';
  return 'unknown';
}

/** Whether a report names the party at all (number, name or raw text). */
export function hasPartyInfo(party: PartyId): boolean {
  return party.number !== null || party.displayName !== null || party.raw !== null;
}

/** Keeps what is known, adds what the new report knows more: a later event never erases a party. */
export function mergeParty(old: PartyId, next: PartyId): PartyId {
  if (!hasPartyInfo(next)) return old;
  if (old.number === null) {
    if (next.number !== null) return { ...next, displayName: next.displayName ?? old.displayName };
    if (old.displayName === null && next.displayName !== null) {
      return { ...old, displayName: next.displayName, raw: old.raw ?? next.raw };
    }
    return old;
  }
  if (old.number === next.number && old.displayName === null && next.displayName !== null) {
    return { ...old, displayName: next.displayName };
  }
  return old;
}

/** Field-by-field equality, so a re-reported party emits no `call-info`. */
export function sameParty(a: PartyId | null, b: PartyId | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.number === b.number &&
    a.displayName === b.displayName &&
    a.canonical === b.canonical &&
    a.e164 === b.e164 &&
    a.anonymous === b.anonymous &&
    a.raw === b.raw
  );
}
