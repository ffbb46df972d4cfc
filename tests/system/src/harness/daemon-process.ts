import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the monorepo (tests/system/src/harness → ../../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The built daemon binary every system test runs, as a user would. */
export const DAEMON_BIN = join(REPO_ROOT, 'apps/daemon/dist/cli.js');

/** One phone entry of config.json (the daemon fills in the other fields' defaults). */
export interface PhoneConfigEntry {
  id: string;
  host: string;
  secret: string;
  model?: string;
  name?: string;
  username?: string | null;
  password?: string | null;
  auth?: 'basic' | 'digest' | 'auto';
  logScan?: boolean | null;
}

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Reuse a data dir (restart); default: a fresh temp dir. */
  readonly dataDir?: string;
  /**
   * Config sections merged over the harness defaults (listener/admin on free loopback ports,
   * a random token, health checks every 60 s). Written before start unless `keepConfig`.
   */
  readonly config?: Record<string, unknown>;
  readonly phones?: readonly PhoneConfigEntry[];
  /** Keep the config.json already in `dataDir` (restart after a crash). */
  readonly keepConfig?: boolean;
  /**
   * Write the config here and pass `--config` (a config outside the data dir, as
   * /etc/snomlink/config.json); the data dir is then not created by the harness.
   */
  readonly configFile?: string;
  /** Default `info`. */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly webUiDir?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the start banner. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Another built `cli.js` to run instead of apps/daemon/dist/cli.js (benchmarks: before/after). */
  readonly bin?: string;
  /** Node.js options before the script (`--cpu-prof`, which NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
}

/** A running daemon child process. */
export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  readonly configFile: string;
  readonly token: string;
  /** `http://127.0.0.1:<admin port>` */
  readonly adminBase: string;
  /** `http://127.0.0.1:<listener port>` */
  readonly listenerBase: string;
  readonly adminPort: number;
  readonly listenerPort: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern`, from the start of the output. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Authenticated fetch against the admin API. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** `api` + JSON body, throws on a non-2xx status. */
  json<T>(path: string, init?: RequestInit): Promise<T>;
  /** Sends `signal` and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | string>;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}

/** A fresh temp directory under the OS temp dir. */
export async function tempDir(prefix = 'snomlink-system-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A URL-safe random secret (phones' Action URL `k=`, admin tokens). */
export function randomSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

function daemonCommand(): { command: string; args: string[] } {
  // SNOMLINK_SYSTEM_FROM_SOURCE=1 runs apps/daemon/src/cli.ts through tsx (while developing).
  if (process.env['SNOMLINK_SYSTEM_FROM_SOURCE'] === '1') {
    return {
      command: process.execPath,
      args: ['--import', 'tsx', join(REPO_ROOT, 'apps/daemon/src/cli.ts')],
    };
  }
  if (!existsSync(DAEMON_BIN)) {
    throw new Error(
      `${DAEMON_BIN} is missing: build the daemon first (npx -y pnpm@10.34.9 --filter @snomlink/daemon run build, or npm test from the repo root)`,
    );
  }
  return { command: process.execPath, args: [DAEMON_BIN] };
}

/** Runs the built `snomlink` with these arguments to its end (subcommands such as `check-config`). */
export function runSnomlink(
  args: readonly string[],
  timeoutMs = 20_000,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args: base } = daemonCommand();
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, [...base, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`snomlink ${args.join(' ')} did not exit in time:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * Writes a config (unless kept), spawns the built daemon with `--data-dir` and JSON logs, and
 * resolves once it printed its start banner (admin panel URL). Rejects with the output when
 * the process exits first.
 */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<DaemonProcess> {
  const dataDir = options.dataDir ?? (await tempDir());
  if (options.configFile === undefined) await mkdir(dataDir, { recursive: true });
  const configFile = options.configFile ?? join(dataDir, 'config.json');
  let token: string;
  let adminPort: number;
  let listenerPort: number;
  if (options.keepConfig === true) {
    const existing = JSON.parse(await readFile(configFile, 'utf8')) as {
      admin: { token: string; port: number };
      listener: { port: number };
    };
    token = existing.admin.token;
    adminPort = existing.admin.port;
    listenerPort = existing.listener.port;
  } else {
    token = randomSecret(24);
    adminPort = await freePort();
    listenerPort = await freePort();
    const extra = options.config ?? {};
    const config = {
      ...extra,
      listener: {
        host: '127.0.0.1',
        port: listenerPort,
        publicHost: `127.0.0.1:${listenerPort}`,
        ...(extra['listener'] as object | undefined),
      },
      admin: {
        host: '127.0.0.1',
        port: adminPort,
        token,
        ...(extra['admin'] as object | undefined),
      },
      health: {
        intervalMs: 60_000,
        phoneTimeoutMs: 2000,
        ...(extra['health'] as object | undefined),
      },
      phones: options.phones ?? extra['phones'] ?? [],
    };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }

  const { command, args } =
    options.bin === undefined
      ? daemonCommand()
      : { command: process.execPath, args: [options.bin] };
  if (options.nodeArgs !== undefined) args.unshift(...options.nodeArgs);
  const child = spawn(
    command,
    [
      ...args,
      '--data-dir',
      dataDir,
      ...(options.configFile === undefined ? [] : ['--config', options.configFile]),
      '--log-format',
      'json',
      '--log-level',
      options.logLevel ?? 'info',
      ...(options.webUiDir === undefined ? [] : ['--web-ui-dir', options.webUiDir]),
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      resolveExit(code ?? signal ?? 'unknown');
      for (const waiter of waiters) waiter();
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const check = (): boolean => {
        const match = output.split('\n').find((line) => pattern.test(line));
        if (match !== undefined) {
          done();
          resolveLine(match);
          return true;
        }
        if (hasExited || child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`daemon exited before printing ${String(pattern)}:\n${output}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(pattern)} in daemon output:\n${output}`));
      }, timeoutMs);
      const waiter = (): void => {
        check();
      };
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      check();
    });

  const adminBase = `http://127.0.0.1:${adminPort}`;
  const api = (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    if (init.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json');
    return fetch(`${adminBase}${path}`, { ...init, headers });
  };

  const daemon: DaemonProcess = {
    child,
    pid: child.pid ?? -1,
    dataDir,
    configFile,
    token,
    adminBase,
    listenerBase: `http://127.0.0.1:${listenerPort}`,
    adminPort,
    listenerPort,
    output: () => output,
    waitForOutput,
    api,
    async json<T>(path: string, init?: RequestInit): Promise<T> {
      const response = await api(path, init);
      const text = await response.text();
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      if (hasExited) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    exited,
  };
  try {
    await waitForOutput(/Admin panel:/, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return daemon;
}
