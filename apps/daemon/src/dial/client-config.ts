import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { DialCommandError } from './dial-errors.js';

/** The admin URL `snomlink dial` uses when nothing else is configured (the daemon's default). */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8090';

/**
 * The user's client file (`client.json`): where the daemon is, its token and the user's own
 * phone. Holding the token in a 0600 file keeps it out of argv, which every user of the
 * machine can read in `ps`.
 */
export const clientConfigSchema = v.strictObject({
  /** The daemon's admin URL, e.g. `http://snomlink.example:8090`. */
  url: v.optional(v.pipe(v.string(), v.url('"url" must be a URL such as http://127.0.0.1:8090'))),
  /** The daemon's admin token (`admin.token` of its config). */
  token: v.optional(v.pipe(v.string(), v.minLength(1, '"token" must not be empty'))),
  /** The phone id to dial from when `--phone` is absent. */
  phone: v.optional(v.pipe(v.string(), v.minLength(1, '"phone" must not be empty'))),
});
/** Contents of `client.json`. */
export type ClientConfig = v.InferOutput<typeof clientConfigSchema>;

/** Where the client file is: `SNOMLINK_CLIENT_CONFIG`, else the platform's user config dir. */
export function clientConfigPath(env: NodeJS.ProcessEnv, platform = process.platform): string {
  const explicit = env['SNOMLINK_CLIENT_CONFIG'];
  if (explicit !== undefined && explicit !== '') return explicit;
  if (platform === 'win32' && env['APPDATA'])
    return join(env['APPDATA'], 'snomlink', 'client.json');
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'snomlink', 'client.json');
}

/** A loaded client file, with a warning when others may read the token in it. */
export interface LoadedClientConfig {
  readonly file: string;
  /** Empty when the file does not exist. */
  readonly config: ClientConfig;
  readonly warnings: readonly string[];
}

/** Reads and validates the client file; a missing file is an empty config, a bad one exit 2. */
export async function loadClientConfig(file: string): Promise<LoadedClientConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { file, config: {}, warnings: [] };
    throw new DialCommandError(`cannot read ${file}: ${(error as Error).message}`, 2, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DialCommandError(`${file} is not valid JSON: ${(error as Error).message}`, 2, {
      cause: error,
    });
  }
  const parsed = v.safeParse(clientConfigSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new DialCommandError(
      `invalid ${file}${path === '' ? '' : ` at "${path}"`}: ${issue.message} ` +
        '(allowed keys: url, token, phone)',
      2,
    );
  }
  const warnings: string[] = [];
  if (parsed.output.token !== undefined && process.platform !== 'win32') {
    const mode = (await stat(file)).mode;
    if ((mode & 0o077) !== 0)
      warnings.push(`${file} holds the token but others may read it; run: chmod 600 ${file}`);
  }
  return { file, config: parsed.output, warnings };
}
