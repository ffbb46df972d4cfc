import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SLAPD = ['/usr/sbin/slapd', '/usr/local/sbin/slapd', '/usr/libexec/slapd'];
const SLAPADD = ['/usr/sbin/slapadd', '/usr/local/sbin/slapadd'];
const RADICALE = ['/usr/bin/radicale', '/usr/local/bin/radicale'];

const firstExisting = (paths: readonly string[]): string | undefined =>
  paths.find((p) => existsSync(p));

/** True when Debian's slapd and slapadd are installed (scripts/ensure-directory-servers.sh). */
export function hasSlapd(): boolean {
  return firstExisting(SLAPD) !== undefined && firstExisting(SLAPADD) !== undefined;
}

/** True when Debian's radicale is installed (scripts/ensure-directory-servers.sh). */
export function hasRadicale(): boolean {
  return firstExisting(RADICALE) !== undefined;
}

/** A free loopback port (the OS picks one; a server started on it right after may still lose a race). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Resolves when `pattern` appears on the child's stdout or stderr; rejects when the child exits
 * first, with what it printed (so a failed start says why).
 */
function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(
        new Error(
          `${what} exited (code ${String(code)}) before it was ready:\n${output.slice(-2000)}`,
        ),
      );
    };
    const cleanup = (): void => {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Kills the servers a test run started if the runner exits without closing them. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A slapd started by {@link startSlapd}. */
export interface TestSlapd {
  readonly url: string;
  /** `ldaps://127.0.0.1:<port>` when started with `tls: true`, else null. */
  readonly ldapsUrl: string | null;
  /** PEM of the self-signed certificate (its own CA) when started with `tls: true`, else null. */
  readonly ca: string | null;
  readonly port: number;
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Starts Debian's slapd on 127.0.0.1 with its own slapd.conf, a temporary mdb database filled
 * from `ldif` with slapadd, and the core, cosine and inetOrgPerson schemas. Never uses the
 * system slapd or its database. `close()` stops it and removes the directory.
 */
export async function startSlapd(options: {
  ldif: string;
  suffix?: string;
  /** Also serve LDAPS and StartTLS with a fresh self-signed certificate for 127.0.0.1 (needs openssl). */
  tls?: boolean;
  /** Listen on this port (a test that points a client at it before the server runs); default: a free one. */
  port?: number;
}): Promise<TestSlapd> {
  const slapd = firstExisting(SLAPD);
  const slapadd = firstExisting(SLAPADD);
  if (slapd === undefined || slapadd === undefined) {
    throw new Error(
      'slapd is not installed; run scripts/ensure-directory-servers.sh (apt-get install -y slapd ldap-utils)',
    );
  }
  const suffix = options.suffix ?? 'dc=example,dc=com';
  const rootDN = `cn=admin,${suffix}`;
  const rootPassword = 'test-secret';
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-slapd-'));
  await mkdir(join(dir, 'db'));
  const conf = [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'sizelimit 500',
    'database mdb',
    'maxsize 67108864',
    `suffix "${suffix}"`,
    `rootdn "${rootDN}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(dir, 'db')}`,
    'index objectClass eq',
    'index telephoneNumber,mobile,homePhone eq',
    'index cn,sn,givenName,displayName eq,sub',
    'access to * by * read',
    '',
  ].join('\n');
  let ca: string | null = null;
  let tlsConf = '';
  if (options.tls === true) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const openssl = spawn(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    openssl.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => openssl.once('exit', resolve));
    if (code !== 0)
      throw new Error(`openssl could not make a test certificate: ${err.slice(-1000)}`);
    ca = await readFile(cert, 'utf8');
    tlsConf = `TLSCertificateFile ${cert}\nTLSCertificateKeyFile ${key}\n`;
  }
  await writeFile(join(dir, 'slapd.conf'), tlsConf + conf);
  await writeFile(join(dir, 'data.ldif'), options.ldif);
  const load = spawn(slapadd, ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'data.ldif')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let loadOutput = '';
  load.stderr.on('data', (c: Buffer) => (loadOutput += c.toString('utf8')));
  const loadCode = await new Promise<number | null>((resolve) => load.once('exit', resolve));
  if (loadCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed (code ${String(loadCode)}): ${loadOutput.slice(-2000)}`);
  }
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const url = `ldap://127.0.0.1:${port}`;
    const ldapsUrl = options.tls === true ? `ldaps://127.0.0.1:${await freePort()}` : null;
    const listen = ldapsUrl === null ? `${url}/` : `${url}/ ${ldapsUrl}/`;
    // -d 32768 keeps slapd in the foreground and prints only "slapd starting" and errors.
    const child = spawn(slapd, ['-f', join(dir, 'slapd.conf'), '-h', listen, '-d', '32768'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    try {
      await waitForOutput(child, /slapd starting/, 'slapd');
      // "slapd starting" can come before the listener accepts: wait until a connect succeeds.
      await waitForConnect(port);
    } catch (e) {
      children.delete(child);
      if (
        attempt < 5 &&
        options.port === undefined &&
        /bind|address already in use/i.test(String(e))
      ) {
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return {
      url,
      ldapsUrl,
      ca,
      port,
      suffix,
      rootDN,
      rootPassword,
      dir,
      async close() {
        await stop(child);
        children.delete(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** A Radicale started by {@link startRadicale}. */
export interface TestRadicale {
  /** The address book collection URL. */
  readonly url: string;
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  close(): Promise<void>;
}

/**
 * Starts Debian's radicale on 127.0.0.1 with a temporary storage folder holding one address
 * book (`/<user>/contacts/`) of the given vCards, no authentication (any password), default rights
 * (a user reads their own collections).
 */
export async function startRadicale(options: {
  cards: readonly string[];
  username?: string;
}): Promise<TestRadicale> {
  const radicale = firstExisting(RADICALE);
  if (radicale === undefined) {
    throw new Error(
      'radicale is not installed; run scripts/ensure-directory-servers.sh (apt-get install -y radicale)',
    );
  }
  const username = options.username ?? 'cti';
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-radicale-'));
  const book = join(dir, 'collection-root', username, 'contacts');
  await mkdir(book, { recursive: true });
  await writeFile(
    join(book, '.Radicale.props'),
    JSON.stringify({ tag: 'VADDRESSBOOK', 'D:displayname': 'Contacts' }),
  );
  await Promise.all(options.cards.map((card, i) => writeFile(join(book, `card-${i}.vcf`), card)));
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn(
      radicale,
      [
        '--config',
        '',
        '--server-hosts',
        `127.0.0.1:${port}`,
        '--auth-type',
        'none',
        '--storage-filesystem-folder',
        dir,
        '--logging-level',
        'info',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
    );
    children.add(child);
    try {
      await waitForOutput(child, /Radicale server ready/, 'radicale');
    } catch (e) {
      children.delete(child);
      if (attempt < 5 && /address already in use|Errno 98/i.test(String(e))) continue;
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    // Radicale logs every request; drain the pipes so it never blocks on a full one.
    child.stdout.resume();
    child.stderr.resume();
    const origin = `http://127.0.0.1:${port}`;
    return {
      url: `${origin}/${username}/contacts/`,
      origin,
      username,
      password: 'any',
      async close() {
        await stop(child);
        children.delete(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** A TCP server that accepts connections and never answers: a directory that hangs. */
export interface HangingServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a {@link HangingServer} on 127.0.0.1. */
export async function startHangingServer(): Promise<HangingServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** Resolves once a TCP connect to 127.0.0.1:`port` succeeds; rejects after `timeoutMs`. */
async function waitForConnect(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(
        `slapd did not accept connections on port ${String(port)} within ${String(timeoutMs)} ms`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}
