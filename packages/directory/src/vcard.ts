import type { DialRules } from '@snomlink/core';
import ICAL from 'ical.js';
import { numberKey } from './number-query.js';
import type { DirectoryEntry } from './source.js';

/** One vCard's text that could not be read, with the reason. */
export interface VCardIssue {
  readonly id: string;
  readonly message: string;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) {
    return value
      .map((v) => text(v))
      .filter((v) => v !== '')
      .join(' ');
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function telLabel(property: ICAL.Property): string {
  const type = property.getParameter('type');
  const types = (Array.isArray(type) ? (type as unknown[]) : [type])
    .filter((t): t is string => typeof t === 'string')
    .flatMap((t) => t.toLowerCase().split(','))
    .filter((t) => t !== '' && t !== 'voice' && t !== 'pref');
  if (types.includes('cell')) return 'mobile';
  return types[0] ?? 'other';
}

/**
 * Reads vCards (3.0 and 4.0; one text may hold several) with ical.js into directory entries.
 * The name is FN, else N (given family), else ORG. A TEL value may be a `tel:` URI (vCard 4).
 * A card ical.js cannot parse is reported in `issues` and skipped; the rest still count.
 */
export function parseVCards(
  source: string,
  id: string,
  rules: DialRules,
): { entries: DirectoryEntry[]; issues: VCardIssue[] } {
  const entries: DirectoryEntry[] = [];
  const issues: VCardIssue[] = [];
  let parsed: unknown;
  try {
    parsed = ICAL.parse(source);
  } catch (e) {
    issues.push({ id, message: e instanceof Error ? e.message : String(e) });
    return { entries, issues };
  }
  // One card parses to a jCard array ['vcard', …]; several to an array of them.
  const list = (Array.isArray(parsed) && parsed[0] === 'vcard' ? [parsed] : parsed) as unknown[];
  list.forEach((jcard, i) => {
    const card = new ICAL.Component(jcard as unknown[]);
    if (card.name !== 'vcard') return;
    const org = text(card.getFirstProperty('org')?.getValues());
    const n = card.getFirstProperty('n')?.getFirstValue();
    const fromN = Array.isArray(n) ? text([n[1], n[0]]) : text(n);
    const name = text(card.getFirstPropertyValue('fn')) || fromN || org;
    const numbers = card.getAllProperties('tel').map((p) => {
      const value = text(p.getFirstValue());
      return { label: telLabel(p), value, key: numberKey(value, rules) };
    });
    if (name === '' && numbers.length === 0) return;
    const uid = text(card.getFirstPropertyValue('uid'));
    entries.push({
      id: list.length > 1 ? `${id}#${uid || String(i)}` : id,
      name: name || '(no name)',
      organization: org === '' ? null : org,
      numbers,
    });
  });
  return { entries, issues };
}
