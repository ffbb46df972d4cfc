import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import * as v from 'valibot';
import { DaemonConfigError } from '../errors.js';
import { configSchema } from './config-schema.js';
import type { Config, ParsedConfig } from './config-schema.js';
import { generateWebhookSecret } from '../events/webhook-signing.js';

/** A random URL-safe token (`bytes` of entropy, base64url). */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Validates parsed JSON as a config; throws DaemonConfigError naming the file and field. */
export function validateConfig(file: string, input: unknown): ParsedConfig {
  const result = v.safeParse(configSchema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '';
  throw new DaemonConfigError(file, path, issue.message);
}

/**
 * Writes `text` to `file` atomically: a temp file in the same directory (mode 0600), fsync,
 * rename over the old file, then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomToken(6)}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    // The temp file holds the token and the passwords: never leave it behind.
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  try {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
}

/** A config file as read from disk, completed with what start-up generates. */
export interface LoadedConfig {
  readonly config: Config;
  /**
   * What was missing and generated (`admin.token`, `phones.<id>.secret`): the caller writes the
   * config back. Names only; the values are in `config`.
   */
  readonly generated: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Fills what a config written by hand or by a provisioning tool may leave out and start-up can
 * generate: the admin token, each phone's Action URL secret and each webhook's signing secret.
 * Other gaps stay for the schema
 * to report.
 */
function completeSecrets(json: unknown): { json: unknown; generated: string[] } {
  if (!isRecord(json)) return { json, generated: [] };
  const generated: string[] = [];
  const next: Record<string, unknown> = { ...json };
  if (
    json['admin'] === undefined ||
    (isRecord(json['admin']) && json['admin']['token'] === undefined)
  ) {
    next['admin'] = { ...(isRecord(json['admin']) ? json['admin'] : {}), token: randomToken() };
    generated.push('admin.token');
  }
  const phones = json['phones'];
  if (Array.isArray(phones)) {
    next['phones'] = phones.map((phone: unknown, index) => {
      if (!isRecord(phone) || phone['secret'] !== undefined) return phone;
      const id = typeof phone['id'] === 'string' ? phone['id'] : String(index);
      generated.push(`phones.${id}.secret`);
      return { ...phone, secret: randomToken(18) };
    });
  }
  const webhooks = json['webhooks'];
  if (Array.isArray(webhooks)) {
    next['webhooks'] = webhooks.map((webhook: unknown, index) => {
      if (!isRecord(webhook) || webhook['secret'] !== undefined) return webhook;
      const id = typeof webhook['id'] === 'string' ? webhook['id'] : String(index);
      generated.push(`webhooks.${id}.secret`);
      return { ...webhook, secret: generateWebhookSecret() };
    });
  }
  return { json: next, generated };
}

/**
 * Reads and validates a config file the way start-up does, generating a missing admin token and
 * missing phone secrets (see {@link LoadedConfig}); writes nothing. Resolves null when the file
 * does not exist; throws DaemonConfigError when it cannot be read, is not JSON or is invalid.
 */
export async function readConfigFile(file: string): Promise<LoadedConfig | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DaemonConfigError(file, '', `cannot read it (${(error as Error).message})`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DaemonConfigError(file, '', `not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const completed = completeSecrets(json);
  return {
    config: asConfig(file, validateConfig(file, completed.json)),
    generated: completed.generated,
  };
}

/** Options of {@link openConfigStore}. */
export interface ConfigStoreOptions {
  /** Path of config.json. */
  readonly file: string;
  /** Applied to a config that does not exist yet, before it is first written. */
  readonly initial?: (config: Config) => Config;
}

/** The config file as the single source of truth: read once, changed only through `update`. */
export interface ConfigStore {
  readonly file: string;
  /** Whether this start created the file. */
  readonly created: boolean;
  /**
   * What this start generated into an existing file and wrote back (`admin.token`,
   * `phones.<id>.secret`); empty when nothing was missing. Names only, never values.
   */
  readonly generated: readonly string[];
  /** The current config (treat as immutable). */
  readonly current: Config;
  /**
   * Applies `change` to a copy, validates the result and writes it atomically; concurrent
   * updates run one after another. Rejects (leaving the file untouched) when invalid.
   */
  update(change: (config: Config) => Config): Promise<Config>;
  /** Subscribes to successful updates; returns an unsubscribe function. */
  onChange(listener: (config: Config, previous: Config) => void): () => void;
}

/**
 * Opens (or creates, with a random admin token, mode 0600) the config file. An existing file
 * without the admin token or a phone's secret gets them generated and is written back
 * atomically (mode 0600); `generated` names them. Throws DaemonConfigError when the file exists
 * but is not valid JSON or not a valid config.
 */
export async function openConfigStore(options: ConfigStoreOptions): Promise<ConfigStore> {
  const { file } = options;
  const loaded = await readConfigFile(file);
  let created = false;
  let current: Config;
  let generated: readonly string[] = [];
  if (loaded === null) {
    const parsed = validateConfig(file, { admin: { token: randomToken() } });
    current = options.initial
      ? asConfig(file, validateConfig(file, options.initial(asConfig(file, parsed))))
      : asConfig(file, parsed);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, serialize(current));
    created = true;
  } else {
    current = loaded.config;
    generated = loaded.generated;
    // A hand-written config without a token or secrets: persist what was generated.
    if (generated.length > 0) await writeFileAtomic(file, serialize(current));
  }

  const listeners = new Set<(config: Config, previous: Config) => void>();
  let queue: Promise<unknown> = Promise.resolve();

  return {
    file,
    created,
    generated,
    get current() {
      return current;
    },
    update(change) {
      const run = async (): Promise<Config> => {
        const next = asConfig(file, validateConfig(file, change(structuredClone(current))));
        await writeFileAtomic(file, serialize(next));
        const previous = current;
        current = next;
        for (const listener of listeners) {
          try {
            listener(next, previous);
          } catch {
            // A listener's failure must not undo a written config.
          }
        }
        return next;
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Validates a whole config the way `update` does (admin section required); throws DaemonConfigError. */
export function parseConfig(file: string, input: unknown): Config {
  return asConfig(file, validateConfig(file, input));
}

function asConfig(file: string, parsed: ParsedConfig): Config {
  if (parsed.admin === undefined) throw new DaemonConfigError(file, 'admin', 'missing');
  return parsed as Config;
}

function serialize(config: Config): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
