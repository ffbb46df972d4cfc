import * as v from 'valibot';
import type { SharedConfigDocument } from '@snomlink/cluster-nats';
import { configSchema, phoneConfigSchema } from '../config/config-schema.js';
import type { Config, PhoneConfig } from '../config/config-schema.js';

// Which settings a cluster shares and how they map to the shared config document (one KV key per
// section and per phone, see @snomlink/cluster-nats shared-config.ts). Pure: the cluster config
// store (cluster-config-store.ts) does the I/O. Everything not named here is per-process and
// stays in each daemon's config file: listener (addresses, limits), admin host and port, mqtt,
// notify, cluster, webUiDir.

/**
 * Sections every daemon of a cluster shares, each one KV key (`section.<name>`), besides the
 * phones (`phone.<id>`) and the admin section's token part ({@link ADMIN_SECTION}).
 */
export const SHARED_SECTIONS = [
  'dialing',
  'webhooks',
  'users',
  'journal',
  'health',
  'directory',
] as const;

/** The admin section's shared part (token, failed-login limit); host and port stay local. */
export const ADMIN_SECTION = 'admin';

type SharedSectionName = (typeof SHARED_SECTIONS)[number];

const sharedAdminSchema = v.pick(configSchema.entries.admin.wrapped, ['token', 'maxFailedLogins']);

/** The shared settings as the document holds them: sections by name, phones by id. */
export interface SharedPart {
  readonly sections: Readonly<Record<string, unknown>>;
  readonly phones: Readonly<Record<string, unknown>>;
}

/** The shared part of a config: what the first daemon seeds and what an update writes. */
export function sharedPartOf(config: Config): SharedPart {
  const sections: Record<string, unknown> = {
    [ADMIN_SECTION]: { token: config.admin.token, maxFailedLogins: config.admin.maxFailedLogins },
  };
  for (const name of SHARED_SECTIONS) sections[name] = config[name];
  return { sections, phones: Object.fromEntries(config.phones.map((p) => [p.id, p])) };
}

/** `target`'s per-process settings with `source`'s shared ones. */
export function withSharedFrom(target: Config, source: Config): Config {
  return {
    ...target,
    admin: {
      ...target.admin,
      token: source.admin.token,
      maxFailedLogins: source.admin.maxFailedLogins,
    },
    phones: source.phones,
    dialing: source.dialing,
    webhooks: source.webhooks,
    users: source.users,
    journal: source.journal,
    health: source.health,
    directory: source.directory,
  };
}

/** A KV entry the daemon could not use, by its key (`section.<name>`, `phone.<id>`). */
export interface SkippedEntry {
  readonly key: string;
  readonly reason: string;
}

/** The config read from a shared document, and what was skipped on the way. */
export interface SharedRead {
  readonly config: Config;
  readonly skipped: readonly SkippedEntry[];
}

function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'invalid';
  const path = v.getDotPath(issue);
  return path === null ? issue.message : `${path}: ${issue.message}`;
}

function readPhones(
  phones: Readonly<Record<string, unknown>>,
  skipped: SkippedEntry[],
): PhoneConfig[] {
  const valid: PhoneConfig[] = [];
  for (const [id, value] of Object.entries(phones)) {
    const result = v.safeParse(phoneConfigSchema, value);
    if (!result.success) {
      skipped.push({ key: `phone.${id}`, reason: firstIssue(result.issues) });
    } else if (result.output.id !== id) {
      skipped.push({ key: `phone.${id}`, reason: `holds phone "${result.output.id}"` });
    } else {
      valid.push(result.output);
    }
  }
  // Sorted by id: the same order on every daemon, whichever order the keys arrived in.
  return valid.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function readSection<K extends SharedSectionName>(
  name: K,
  value: unknown,
  fallback: Config[K],
  skipped: SkippedEntry[],
): Config[K] {
  if (value === undefined) return fallback;
  const result = v.safeParse(configSchema.entries[name], value);
  if (result.success) return result.output as Config[K];
  skipped.push({ key: `section.${name}`, reason: firstIssue(result.issues) });
  return fallback;
}

function readAdmin(value: unknown, fallback: Config['admin'], skipped: SkippedEntry[]) {
  if (value === undefined) return fallback;
  const result = v.safeParse(sharedAdminSchema, value);
  if (result.success) return { ...fallback, ...result.output };
  skipped.push({ key: `section.${ADMIN_SECTION}`, reason: firstIssue(result.issues) });
  return fallback;
}

/**
 * `fallback` with its shared settings read from `doc`, each section and phone validated with the
 * daemon's schema. A phone that fails is left out; a section that fails or is missing keeps
 * `fallback`'s value; both failures are listed in `skipped`. Never throws.
 */
export function readShared(doc: SharedConfigDocument, fallback: Config): SharedRead {
  const skipped: SkippedEntry[] = [];
  const s = doc.sections;
  const config: Config = {
    ...fallback,
    admin: readAdmin(s[ADMIN_SECTION], fallback.admin, skipped),
    phones: readPhones(doc.phones, skipped),
    dialing: readSection('dialing', s['dialing'], fallback.dialing, skipped),
    webhooks: readSection('webhooks', s['webhooks'], fallback.webhooks, skipped),
    users: readSection('users', s['users'], fallback.users, skipped),
    journal: readSection('journal', s['journal'], fallback.journal, skipped),
    health: readSection('health', s['health'], fallback.health, skipped),
    directory: readSection('directory', s['directory'], fallback.directory, skipped),
  };
  // Each part is valid; the whole is checked too, so a rule across sections cannot slip by.
  const whole = v.safeParse(configSchema, config);
  if (!whole.success) {
    return {
      config: fallback,
      skipped: [...skipped, { key: 'config', reason: firstIssue(whole.issues) }],
    };
  }
  return { config, skipped };
}

/**
 * The document an update writes: `next`'s shared settings over `doc`. An entry this daemon could
 * not read (`read.skipped`) is kept as it is unless the update changed what stood in its place,
 * so an unrelated change never deletes or overwrites a value a newer daemon may understand.
 * Sections the daemon does not know are kept too.
 */
export function documentFor(
  next: Config,
  read: SharedRead,
  doc: SharedConfigDocument,
): SharedConfigDocument {
  const skipped = new Set(read.skipped.map((s) => s.key));
  const wanted = sharedPartOf(next);
  const before = sharedPartOf(read.config);
  const sections: Record<string, unknown> = { ...doc.sections };
  for (const [name, value] of Object.entries(wanted.sections)) {
    const unchanged = JSON.stringify(value) === JSON.stringify(before.sections[name]);
    if (skipped.has(`section.${name}`) && unchanged) continue;
    sections[name] = value;
  }
  const phones: Record<string, unknown> = { ...wanted.phones };
  for (const [id, value] of Object.entries(doc.phones)) {
    if (skipped.has(`phone.${id}`) && !(id in phones)) phones[id] = value;
  }
  return { revision: doc.revision, sections, phones };
}

/**
 * `next`, reusing `previous`'s value for every top-level setting that is equal (the config
 * reactions compare the phone list by reference); `previous` itself when nothing changed.
 */
export function reuseUnchanged(next: Config, previous: Config): Config {
  let changed = false;
  const merged: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(next), ...Object.keys(previous)]);
  for (const key of keys) {
    const a = (next as Record<string, unknown>)[key];
    const b = (previous as Record<string, unknown>)[key];
    if (JSON.stringify(a) === JSON.stringify(b)) {
      if (key in previous) merged[key] = b;
    } else {
      changed = true;
      if (key in next) merged[key] = a;
    }
  }
  return changed ? (merged as Config) : previous;
}
