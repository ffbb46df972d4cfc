const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Decodes the HTML character references phones use (`&amp;`, `&lt;`, `&#39;`, `&#x2F;`, …). */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, ref: string) => {
    if (ref.startsWith('#')) {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : match;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? match;
  });
}

/**
 * Turns an HTML page into plain text lines: scripts and styles dropped, block ends and `<br>`
 * become newlines, adjacent table cells become `cell: cell`, other tags are removed and
 * entities decoded. Plain text input passes through unchanged (apart from entities).
 */
export function htmlToText(html: string): string {
  return decodeHtmlEntities(
    html
      .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '\n')
      .replace(/<\/t[dh]\s*>\s*<t[dh]\b[^>]*>/gi, ': ')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/?(tr|p|div|li|table|pre|h[1-6]|body|html)\b[^>]*>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  );
}

/** The text of the page's `<title>`, or null. */
export function htmlTitle(html: string): string | null {
  const match = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  return match?.[1] === undefined ? null : decodeHtmlEntities(match[1]).trim();
}
