import { decodeHtmlEntities, htmlTitle } from './html-text.js';
import { parseInfoPage } from './info-page.js';
import { redact } from './redact.js';

/** Longest excerpt a {@link SnomProtocolError} carries, in characters (before the ellipsis). */
export const EXCERPT_MAX_CHARS = 120;

const SNOM_TITLE = /\b(?:snom|D\d{3}[a-z]*|Phone\s*Manager)\b/i;

/**
 * True when a 2xx page is recognisably from a snom phone: it mentions `snom`, its `<title>`
 * names a snom model (`D785`) or `Phone Manager`, or it carries a model, MAC or firmware the
 * info parser reads. The simulator's `index.htm` (title = model) passes; HTML junk does not.
 */
export function looksLikeSnomPage(page: string): boolean {
  if (/snom/i.test(page)) return true;
  const title = htmlTitle(page);
  if (title !== null && SNOM_TITLE.test(title)) return true;
  const { info, phoneManager } = parseInfoPage(page);
  return phoneManager || info.model !== null || info.mac !== null || info.firmware !== null;
}

/**
 * A short, safe excerpt of an answer for an error: entities decoded, control and format
 * characters removed, whitespace collapsed, the secrets (and secret-looking query values)
 * redacted, then cut to {@link EXCERPT_MAX_CHARS} characters. Redaction runs on the whole
 * cleaned text before the cut, so no prefix of a secret can survive.
 */
export function responseExcerpt(body: string, secrets: readonly string[]): string {
  // Decode and strip first: a secret split by NULs or spelled as entities is joined before redacting.
  const cleaned = decodeHtmlEntities(body)
    .replace(/[\t\n\r\f\v]/g, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '');
  const collapsed = redact(redact(cleaned, secrets).replace(/\s+/g, ' ').trim(), secrets);
  const chars = Array.from(collapsed);
  return chars.length <= EXCERPT_MAX_CHARS
    ? collapsed
    : `${chars.slice(0, EXCERPT_MAX_CHARS).join('')}…`;
}
