/**
 * Lower case without accents, for name search: `Jörg Müller` → `jorg muller`. A search for
 * `müller`, `Muller` or `MÜLLER` finds the same entry; German `ü` typed as `ue` is folded too.
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([aou])e/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words of a search text, folded; empty words dropped. */
export function searchWords(text: string): string[] {
  return foldText(text)
    .split(' ')
    .filter((w) => w !== '');
}
