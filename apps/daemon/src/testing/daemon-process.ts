import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bundle the black-box tests run. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A spawned `snomlink` process. */
export interface DaemonProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:PORT` of the admin API. */
  readonly adminBase: string;
  readonly token: string;
  readonly listenerPort: number;
  /** Everything written so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Runs the built CLI to completion (for failing starts); resolves with code and output. */
export function runCli(
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`snomlink ${args.join(' ')} did not exit; output: ${stdout}${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(
      `${CLI_PATH} is missing: build first with npx -y pnpm@10.34.9 --filter @snomlink/daemon run build`,
    );
  }
}

/**
 * Starts `node dist/cli.js` with the given arguments and waits for its start banner (admin URL
 * with token, listener port). Rejects with the output if it exits first.
 */
export function startDaemonProcess(
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DaemonProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_PATH, '--log-format', 'json', ...args], {
    env: { ...process.env, ...options.env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`snomlink did not print its banner in time; output:\n${out}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const admin = /Admin panel:\s+(http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(out);
      const listener = /Action URL listener: http:\/\/\S+:(\d+)/.exec(out);
      if (admin?.[1] !== undefined && admin[2] !== undefined && listener?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({
          child,
          adminBase: admin[1],
          token: decodeURIComponent(admin[2]),
          listenerPort: Number(listener[1]),
          output: () => out,
          exited,
          stop: (signal: NodeJS.Signals = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`snomlink exited (${code}) before it was ready; output:\n${out}`));
    });
  });
}

/** Options of {@link startLoopbackDaemon}. */
export interface LoopbackDaemonOptions {
  /** Serve the default web UI instead of none. Default false. */
  readonly webUi?: boolean;
}

/**
 * Starts the built daemon as the black-box tests run it: `dataDir` as its data directory, the
 * Action URL listener and the admin API on ephemeral loopback ports, and (by default) no web UI.
 */
export function startLoopbackDaemon(
  dataDir: string,
  options: LoopbackDaemonOptions = {},
): Promise<DaemonProcess> {
  return startDaemonProcess([
    '--data-dir',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    ...(options.webUi === true ? [] : ['--web-ui-dir', join(dataDir, 'no-ui')]),
  ]);
}

/** Kills a daemon that is still running (SIGKILL: cleanup after a test, not a shutdown test). */
export async function killIfRunning(daemon: DaemonProcess | undefined): Promise<void> {
  if (daemon !== undefined && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
}

/** One parsed Server-Sent Event. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** A minimal SSE client over fetch, with waiting for a matching event. */
export interface SseClient {
  readonly messages: readonly SseMessage[];
  waitFor(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/** Opens an SSE stream (resolves once the response headers arrived). */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`SSE ${url} answered ${res.status}`);
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { id: null, event: 'message', data: '' };
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') message.id = val;
            else if (field === 'event') message.event = val;
            else if (field === 'data') message.data += (message.data === '' ? '' : '\n') + val;
            else continue;
            any = true;
          }
          if (any && message.data !== '') {
            messages.push(message);
            for (const w of waiters) w();
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    messages,
    waitFor(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < messages.length; seen++) {
            const m = messages[seen];
            if (m !== undefined && match(m)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(m);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching SSE event within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-10))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}
