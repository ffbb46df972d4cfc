import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const ROOT = resolve(HERE, '../../..');
/** The built daemon the acceptance tests run (`SNOMLINK_DAEMON_CLI` points at another entry). */
export const DAEMON_CLI = process.env.SNOMLINK_DAEMON_CLI ?? join(ROOT, 'apps/daemon/dist/cli.js');
/** The built admin panel the daemon serves. */
export const WEB_UI_INDEX = join(ROOT, 'apps/web-ui/dist/index.html');
/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** The flags conventions.md prescribes for headless Chromium here. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches Debian's headless Chromium with the flags above. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new desktop-sized page (1200 × 900) with a default timeout for waits; with `pageErrors`,
 * the page's uncaught script errors are pushed there, so a test can assert there were none.
 */
export async function openPage(
  browser: Browser,
  options: { readonly pageErrors?: string[]; readonly timeoutMs?: number } = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(options.timeoutMs ?? 10_000);
  const { pageErrors } = options;
  if (pageErrors !== undefined) page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

/** Fails loudly (not a skip) when something the browser tests need is missing. */
export function assertPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM))
    missing.push(`${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`);
  if (!existsSync(DAEMON_CLI))
    missing.push(`${DAEMON_CLI} (build first: npx -y pnpm@10.34.9 run build)`);
  if (!existsSync(WEB_UI_INDEX))
    missing.push(`${WEB_UI_INDEX} (build first: npx -y pnpm@10.34.9 run build)`);
  if (missing.length > 0) {
    throw new Error(`web-ui browser tests cannot run; missing:\n  ${missing.join('\n  ')}`);
  }
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}

/** A running daemon: its admin base URL, the token and a way to stop it. */
export interface RunningDaemon {
  readonly adminBase: string;
  readonly signInUrl: string;
  readonly token: string;
  readonly listenPort: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts the real built daemon on loopback ports and waits until it prints its admin URL. */
export async function startDaemon(
  options: { config?: Record<string, unknown> } = {},
): Promise<RunningDaemon> {
  const dataDir = await mkdtemp(join(tmpdir(), 'snomlink-web-ui-'));
  // Extra config sections (the admin token is generated into this file at the first start).
  if (options.config !== undefined)
    await writeFile(join(dataDir, 'config.json'), JSON.stringify(options.config), { mode: 0o600 });
  const listenPort = await freePort();
  const adminPort = await freePort();
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      DAEMON_CLI,
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${listenPort}`,
      '--admin',
      `127.0.0.1:${adminPort}`,
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
  );
  let output = '';
  const signInUrl = await new Promise<string>((resolveUrl, reject) => {
    const pattern = new RegExp(`http://127\\.0\\.0\\.1:${adminPort}/\\?token=[^\\s"'<>\\x1b]+`);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = pattern.exec(output);
      if (match !== null) resolveUrl(match[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      reject(
        new Error(`daemon exited with ${String(code)} before printing its admin URL:\n${output}`),
      );
    });
    setTimeout(() => {
      reject(new Error(`daemon printed no admin URL within 20 s:\n${output}`));
    }, 20_000).unref();
  });
  const url = new URL(signInUrl);
  return {
    adminBase: `http://127.0.0.1:${adminPort}`,
    signInUrl,
    token: decodeURIComponent(url.searchParams.get('token') ?? ''),
    listenPort,
    output: () => output,
    async stop(): Promise<void> {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
