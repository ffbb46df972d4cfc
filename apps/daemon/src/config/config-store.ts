import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import * as v from 'valibot';
import { DaemonConfigError } from '../errors.js';
import { configSchema } from './config-schema.js';
import type { Config, ParsedConfig } from './config-schema.js';

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
    await handle.writeFile(text, 'utf8');
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (error) {
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
 * Opens (or creates, with a random admin token, mode 0600) the config file. Throws
 * DaemonConfigError when the file exists but is not valid JSON or not a valid config.
 */
export async function openConfigStore(options: ConfigStoreOptions): Promise<ConfigStore> {
  const { file } = options;
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DaemonConfigError(file, '', `cannot read it (${(error as Error).message})`, {
        cause: error,
      });
    }
  }
  let created = false;
  let current: Config;
  if (text === undefined) {
    const parsed = validateConfig(file, { admin: { token: randomToken() } });
    current = options.initial
      ? asConfig(file, validateConfig(file, options.initial(asConfig(file, parsed))))
      : asConfig(file, parsed);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, serialize(current));
    created = true;
  } else {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DaemonConfigError(file, '', `not valid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    const parsed = validateConfig(file, json);
    if (parsed.admin === undefined) {
      // A hand-written config without an admin section: add a token and persist it.
      current = asConfig(file, {
        ...parsed,
        admin: { host: '127.0.0.1', port: 8090, token: randomToken() },
      });
      await writeFileAtomic(file, serialize(current));
    } else {
      current = asConfig(file, parsed);
    }
  }

  const listeners = new Set<(config: Config, previous: Config) => void>();
  let queue: Promise<unknown> = Promise.resolve();

  return {
    file,
    created,
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

function asConfig(file: string, parsed: ParsedConfig): Config {
  if (parsed.admin === undefined) throw new DaemonConfigError(file, 'admin', 'missing');
  return parsed as Config;
}

function serialize(config: Config): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
