import type { DirectoryEntry } from './source.js';
import { foldText, searchWords } from './text-fold.js';

/** Entries loaded in one go (CardDAV, CSV), searchable by number key and by name. */
export interface ContactIndex {
  readonly size: number;
  /** The first entry (in source order) holding a number with this key. */
  byKey(key: string): DirectoryEntry | undefined;
  /** Entries whose folded name or organization contains every word of `text`. */
  search(text: string, limit: number): DirectoryEntry[];
}

/** Builds the index once per load: a Map by key and a folded name per entry. */
export function createContactIndex(entries: readonly DirectoryEntry[]): ContactIndex {
  const byKey = new Map<string, DirectoryEntry>();
  const names: { entry: DirectoryEntry; folded: string }[] = [];
  for (const entry of entries) {
    for (const n of entry.numbers) {
      if (n.key !== null && !byKey.has(n.key)) byKey.set(n.key, entry);
    }
    names.push({ entry, folded: foldText(`${entry.name} ${entry.organization ?? ''}`) });
  }
  return {
    size: entries.length,
    byKey: (key) => byKey.get(key),
    search(text, limit) {
      const words = searchWords(text);
      if (words.length === 0) return [];
      const out: DirectoryEntry[] = [];
      for (const { entry, folded } of names) {
        if (words.every((w) => folded.includes(w))) out.push(entry);
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}
