import { decodeHtmlEntities, htmlToText } from './html-text.js';

// The value is trimmed in code, not by `(.*?)\s*$`: that pair backtracks quadratically on a line
// with a long run of inner whitespace (a hostile page of one such line took minutes).
const LINE = /^\s*([A-Za-z][\w.-]*?)\s*[!&$]?\s*:(.*)$/;
const XML_SETTING = /<([A-Za-z][\w.-]*)((?:\s+[\w-]+="[^"]*")*)\s*(?:\/>|>([^<]*)<\/\1\s*>)/g;

/**
 * Parses a phone's `settings.htm` page into a name → value record. Tolerant of the forms phones
 * and the simulator use: plain `name: value` lines (a permission flag `name!:`/`name&:`/`name$:`
 * is dropped), HTML around them, `<tr><td>name</td><td>value</td></tr>` tables, and provisioning
 * XML (`<name idx="1" perm="">value</name>` → `name1`). Entities are decoded.
 */
export function parseSettingsPage(page: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (/<phone-settings\b/i.test(page)) {
    const body = phoneSettingsBody(page);
    for (const match of body.matchAll(XML_SETTING)) {
      const [, name = '', attributes = '', value = ''] = match;
      const idx = /\bidx="(\d+)"/.exec(attributes)?.[1] ?? '';
      result[`${name}${idx}`] = decodeHtmlEntities(value);
    }
    return result;
  }
  for (const line of htmlToText(page).split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, name = '', rest = ''] = match;
    const value = (/^\s/.test(rest) ? rest.slice(1) : rest).trimEnd();
    if (/^https?$/i.test(name) && value.startsWith('//')) continue; // a bare URL, not a setting
    result[name] = value;
  }
  return result;
}

/**
 * The content of the first `<phone-settings …>…</phone-settings>`, found with index scans: a
 * lazy `[\s\S]*?` regex rescans the rest of the page from every unclosed `<phone-settings`
 * (quadratic on a hostile page).
 */
function phoneSettingsBody(page: string): string {
  const lower = page.toLowerCase();
  const open = lower.search(/<phone-settings\b/);
  const openEnd = open === -1 ? -1 : lower.indexOf('>', open);
  if (openEnd === -1) return '';
  const close = lower.indexOf('</phone-settings', openEnd);
  return close === -1 ? '' : page.slice(openEnd + 1, close);
}
