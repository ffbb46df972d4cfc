import { CliUsageError, parseCliOptions } from './cli-options.js';
import { readConfigFile } from './config/config-store.js';
import { isDaemonConfigError } from './errors.js';

/** Where `snomlink check-config` writes: stdout for the verdict, stderr for problems. */
export interface CheckConfigOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The `snomlink check-config` help text. */
export const CHECK_CONFIG_HELP = `Usage: snomlink check-config [--config FILE] [--data-dir DIR]

Validates a config file the way start-up does, without starting or writing anything.
Exit codes: 0 valid, 2 invalid (the message names the file, the field and the problem).
`;

/**
 * `snomlink check-config [--config FILE]`: reads and validates the config exactly as start-up
 * does (same file resolution, same messages), for deployment pipelines. A missing admin token
 * or phone secret is valid (start-up generates it) and named; a missing file is an error here,
 * since a pipeline checks the file it is about to install. Returns the exit code: 0 or 2.
 */
export async function runCheckConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  out: CheckConfigOutput,
): Promise<number> {
  let file: string;
  try {
    const options = parseCliOptions(argv, env, cwd);
    if (options.help) {
      out.stdout(CHECK_CONFIG_HELP);
      return 0;
    }
    file = options.configFile;
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    out.stderr(`snomlink: ${error.message}\n`);
    return 2;
  }
  try {
    const loaded = await readConfigFile(file);
    if (loaded === null) {
      out.stderr(
        `snomlink: invalid config ${file}: it does not exist (start-up would create a fresh one).\n`,
      );
      return 2;
    }
    const { config, generated } = loaded;
    out.stdout(
      `snomlink: ${file} is valid: ${String(config.phones.length)} phone(s), ` +
        `${String(config.webhooks.length)} webhook(s), listener ${config.listener.host}:${String(config.listener.port)}, ` +
        `admin ${config.admin.host}:${String(config.admin.port)}\n` +
        (generated.length === 0
          ? ''
          : `snomlink: start-up will generate and write back: ${generated.join(', ')}\n`),
    );
    return 0;
  } catch (error) {
    if (!isDaemonConfigError(error)) throw error;
    out.stderr(`snomlink: ${error.message}\n`);
    return 2;
  }
}
