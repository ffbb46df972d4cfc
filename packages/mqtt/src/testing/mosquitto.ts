import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts the broker. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
const PASSWD_BIN = '/usr/bin/mosquitto_passwd';

/** True when Debian's mosquitto and mosquitto_passwd are installed. */
export function hasMosquitto(): boolean {
  return existsSync(MOSQUITTO_BIN) && existsSync(PASSWD_BIN);
}

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /** Users for a password file; anonymous access is refused when given. */
  readonly users?: Readonly<Record<string, string>>;
  /** Keep retained messages and persistent sessions across a stop/start. */
  readonly persistence?: boolean;
  /** Serve MQTT over TLS with this PEM certificate and key (see {@link makeSelfSignedCert}). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Where {@link makeSelfSignedCert} put its files; `cert` is the PEM text (the CA to trust). */
export interface SelfSignedCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 made with the `openssl` CLI, or null when
 * openssl is missing.
 */
export function makeSelfSignedCert(dir: string): SelfSignedCert | null {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (result.error !== undefined || result.status !== 0) return null;
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

/** A broker of the test's own on 127.0.0.1. */
export interface Mosquitto {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` (`mqtts://` with `tls`) */
  readonly url: string;
  /** Stops the broker (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and config. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Starts Debian's mosquitto on a free loopback port with a temp config (never the system
 * broker on 1883) and resolves once it listens.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-mosquitto-'));
  let port = await freePort();
  const listenerLines = (): string[] => [
    `listener ${port} 127.0.0.1`,
    ...(options.tls === undefined
      ? []
      : [`certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`]),
  ];
  const lines = [
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    `persistence ${options.persistence === true ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
  ];
  // As root, mosquitto would switch to user "mosquitto", which cannot read our temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  if (options.users !== undefined) {
    const passwd = join(dir, 'passwd');
    let first = true;
    for (const [user, password] of Object.entries(options.users)) {
      const args = first ? ['-c', '-b', passwd, user, password] : ['-b', passwd, user, password];
      const result = spawnSync(PASSWD_BIN, args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`mosquitto_passwd failed: ${result.stderr}`);
      first = false;
    }
    lines.push('allow_anonymous false', `password_file ${passwd}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const configPath = join(dir, 'mosquitto.conf');
  const writeConfig = (): Promise<void> =>
    writeFile(configPath, [...listenerLines(), ...lines].join('\n') + '\n');
  await writeConfig();

  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const proc = spawn(MOSQUITTO_BIN, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`mosquitto did not start within 10 s:\n${log}`));
      }, 10_000);
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (chunk: string) => {
        log += chunk;
        if (/mosquitto version \S+ running/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited with ${String(code)}:\n${log}`));
      });
    });
    // "running" comes after every listener is bound; still confirm with a connect.
    const { connect } = await import('node:net');
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => {
          resolve(false);
        });
      });
      if (ok) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => {
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  // Another process may take the free port before mosquitto binds it: try a few others.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('Address already in use')) throw error;
      port = await freePort();
      await writeConfig();
    }
  }
  return {
    port,
    url: `${options.tls === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${port}`,
    stop,
    start,
    async dispose(): Promise<void> {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
