import { FilterParser } from 'ldapts';

/**
 * Escapes a value for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL become
 * `\2a`, `\28`, `\29`, `\5c`, `\00`. A number or a name typed into the dial box can then never
 * add a wildcard or a clause to the filter (`*)(objectClass=*` stays a literal string).
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const PLACEHOLDER = /\{([a-zA-Z0-9]+)\}/g;

/** The placeholder names a template uses (`{e164}` → `e164`), each once. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/**
 * Fills a filter template such as `(|(telephoneNumber={e164})(mobile={national}))`: every
 * `{name}` becomes the RFC 4515-escaped value. Unknown names stay as they are (the template was
 * checked by {@link checkFilterTemplate} when the source was created).
 */
export function renderFilterTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : escapeFilterValue(value);
  });
}

/**
 * Problems of a filter template, as sentences (empty when it is fine): placeholders other than
 * `allowed`, and a filter the LDAP filter parser rejects once filled with sample values.
 */
export function checkFilterTemplate(
  template: string,
  allowed: readonly string[],
  label: string,
): string[] {
  const issues: string[] = [];
  const unknown = templatePlaceholders(template).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    issues.push(
      `${label} uses ${unknown.map((n) => `{${n}}`).join(', ')}; known placeholders are ${allowed.map((n) => `{${n}}`).join(', ')}`,
    );
  }
  const sample = Object.fromEntries(allowed.map((name) => [name, '0301234567']));
  try {
    // ldapts's parser accepts some unbalanced filters, so count the parentheses too.
    const unescaped = template.replace(/\\[0-9a-fA-F]{2}/g, '');
    const open = unescaped.split('(').length;
    const close = unescaped.split(')').length;
    if (open !== close) throw new Error(`${open - 1} "(" but ${close - 1} ")"`);
    if (!template.startsWith('(') || !template.endsWith(')')) {
      throw new Error('a filter starts with "(" and ends with ")"');
    }
    FilterParser.parseString(renderFilterTemplate(template, sample));
  } catch (e) {
    issues.push(
      `${label} is not a valid LDAP filter (${e instanceof Error ? e.message : String(e)}); write it like (|(telephoneNumber={e164})(mobile={e164}))`,
    );
  }
  return issues;
}
