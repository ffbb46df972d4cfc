import type { SharedConfigDocument } from './cluster-types.js';
import { PHONE_ID_PATTERN, stableJson } from './command-wire.js';
import { ClusterError } from './errors.js';

// The shared config as KV keys, pure: `section.<name>` holds one section's JSON, `phone.<id>` one
// phone's. A local cache of entries (with their revisions, tombstones for deletes) builds the
// document and diffs a changed document into per-key writes.

/** Section names are KV key tokens. */
export const SECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Marks the bucket as seeded from a daemon's local config (written once, by the first daemon). */
export const SEEDED_KEY = 'seeded';

/** The KV key of a section. */
export function sectionKey(name: string): string {
  if (!SECTION_NAME_PATTERN.test(name)) {
    throw new ClusterError(
      `config section name "${name.slice(0, 80)}" must be 1-64 letters, digits, "-" or "_"`,
    );
  }
  return `section.${name}`;
}

/** The KV key of a phone. */
export function phoneKey(id: string): string {
  if (!PHONE_ID_PATTERN.test(id)) {
    throw new ClusterError(`phone id "${id.slice(0, 80)}" is not a valid phone id`);
  }
  return `phone.${id}`;
}

/** A cached key at a revision: a value, a delete (tombstone), or a value that is not JSON. */
export type ConfigEntry =
  | { readonly revision: number; readonly state: 'value'; readonly value: unknown }
  | { readonly revision: number; readonly state: 'deleted' }
  | { readonly revision: number; readonly state: 'unreadable' };

/** Which part of the document a key belongs to, or null for keys that are not config (`meta`). */
export function classifyKey(key: string): { kind: 'section' | 'phone'; name: string } | null {
  const dot = key.indexOf('.');
  if (dot < 0) return null;
  const prefix = key.slice(0, dot);
  const name = key.slice(dot + 1);
  if (prefix === 'section' && SECTION_NAME_PATTERN.test(name)) return { kind: 'section', name };
  if (prefix === 'phone' && PHONE_ID_PATTERN.test(name)) return { kind: 'phone', name };
  return null;
}

/**
 * Applies a key's newer state to the cache; an entry at or below the cached revision is stale
 * (the watcher delivering our own write again, or an old value after a delete) and ignored.
 * Returns whether the cache changed.
 */
export function applyEntry(
  cache: Map<string, ConfigEntry>,
  key: string,
  entry: ConfigEntry,
): boolean {
  const cached = cache.get(key);
  if (cached !== undefined && cached.revision >= entry.revision) return false;
  cache.set(key, entry);
  return true;
}

/** The document the cache describes; `revision` is the highest revision seen. */
export function buildDocument(cache: ReadonlyMap<string, ConfigEntry>): SharedConfigDocument {
  const sections: Record<string, unknown> = {};
  const phones: Record<string, unknown> = {};
  let revision = 0;
  for (const [key, entry] of cache) {
    revision = Math.max(revision, entry.revision);
    const where = classifyKey(key);
    if (where === null || entry.state !== 'value') continue;
    (where.kind === 'section' ? sections : phones)[where.name] = entry.value;
  }
  return { revision, sections, phones };
}

/** One write that turns the cached state into the changed document. */
export type ConfigWrite =
  | { readonly op: 'create'; readonly key: string; readonly json: string }
  | {
      readonly op: 'update';
      readonly key: string;
      readonly json: string;
      readonly revision: number;
    }
  | { readonly op: 'delete'; readonly key: string; readonly revision: number };

function wanted(doc: SharedConfigDocument): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  for (const [name, value] of Object.entries(doc.sections)) {
    if (value !== undefined) keys.set(sectionKey(name), value);
  }
  for (const [id, value] of Object.entries(doc.phones)) {
    if (value !== undefined) keys.set(phoneKey(id), value);
  }
  return keys;
}

/**
 * The per-key writes from the cache to `next` (validates every name first, so a bad name writes
 * nothing). Each carries the revision it expects, for CAS.
 */
export function diffWrites(
  cache: ReadonlyMap<string, ConfigEntry>,
  next: SharedConfigDocument,
): ConfigWrite[] {
  const target = wanted(next);
  const writes: ConfigWrite[] = [];
  for (const [key, value] of target) {
    const json = JSON.stringify(value);
    const cached = cache.get(key);
    if (cached === undefined || cached.state === 'deleted') {
      writes.push({ op: 'create', key, json });
    } else if (cached.state === 'unreadable' || stableJson(cached.value) !== stableJson(value)) {
      writes.push({ op: 'update', key, json, revision: cached.revision });
    }
  }
  for (const [key, cached] of cache) {
    if (classifyKey(key) === null || target.has(key)) continue;
    if (cached.state !== 'deleted') {
      writes.push({ op: 'delete', key, revision: cached.revision });
    }
  }
  return writes;
}
