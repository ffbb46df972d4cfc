import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Path of the nats-server binary (Debian puts it in /usr/sbin), or null when it is not
 * installed. `NATS_SERVER_BIN` overrides; an empty value means "pretend it is missing".
 */
export function natsServerBin(): string | null {
  const override = process.env['NATS_SERVER_BIN'];
  if (override !== undefined) return override === '' ? null : override;
  const dirs = ['/usr/sbin', '/usr/bin', ...(process.env['PATH'] ?? '').split(delimiter)];
  for (const dir of dirs) {
    const file = join(dir, 'nats-server');
    if (dir !== '' && existsSync(file)) return file;
  }
  return null;
}

/** True when a nats-server binary is available. */
export function hasNatsServer(): boolean {
  return natsServerBin() !== null;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
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
 * Resolves once `port` accepts connections; rejects after `timeoutMs`, or at once when `child`
 * exited first (a port taken meanwhile: {@link freePort} closes its socket before nats-server
 * binds), with the end of its stderr.
 */
async function waitForPort(
  port: number,
  timeoutMs: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `nats-server exited (${String(child.exitCode ?? child.signalCode)}) before listening on ${String(port)}: ${stderr()}`,
      );
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${String(port)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One nats-server process of a test cluster. */
export interface NatsServerNode {
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same ports and store directory. */
  start(): Promise<void>;
}

/** A single nats-server or a cluster of them on loopback, each with JetStream and its own store. */
export interface NatsTestCluster {
  readonly nodes: readonly NatsServerNode[];
  /** Every node's URL, for `ClusterOptions.servers`. */
  readonly servers: readonly string[];
  /** Kills every node and removes the store directories. */
  dispose(): Promise<void>;
}

/**
 * Starts `size` nats-servers (1 or 3 usually) with JetStream on 127.0.0.1, clustered when
 * size > 1 (`--cluster_name t`, full routes), each storing under a temp directory. Throws when
 * the binary is missing: callers check {@link hasNatsServer} first and skip loudly.
 */
export async function startNatsCluster(size = 1): Promise<NatsTestCluster> {
  // A port found free may be taken by another test's connection before nats-server binds it
  // (a CI run saw a server never listen): start again on fresh ports, twice at most.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsClusterOnce(size);
    } catch (error) {
      if (attempt === 3 || natsServerBin() === null) throw error;
    }
  }
}

async function startNatsClusterOnce(size: number): Promise<NatsTestCluster> {
  const bin = natsServerBin();
  if (bin === null) {
    throw new Error(
      'nats-server is not installed: run `bash scripts/ensure-nats.sh` (apt-get install -y nats-server)',
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'snomlink-nats-'));
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      port: await freePort(),
      clusterPort: await freePort(),
    })),
  );
  const nodes = ports.map(({ port, clusterPort }, i) => {
    const name = `n${String(i + 1)}`;
    const args = [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--server_name',
      name,
      '-js',
      '-sd',
      join(root, name),
    ];
    if (size > 1) {
      const routes = ports
        .filter((_, j) => j !== i)
        .map((other) => `nats://127.0.0.1:${String(other.clusterPort)}`)
        .join(',');
      args.push(
        '--cluster_name',
        't',
        '--cluster',
        `nats://127.0.0.1:${String(clusterPort)}`,
        '--routes',
        routes,
      );
    }
    let child: ChildProcess | null = null;
    const node: NatsServerNode = {
      name,
      port,
      clusterPort,
      url: `nats://127.0.0.1:${String(port)}`,
      get running() {
        return child !== null && child.exitCode === null && child.signalCode === null;
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        const proc = child;
        if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => {
          proc.once('exit', () => {
            resolve();
          });
        });
        proc.kill(signal);
        await exited;
      },
      async start() {
        if (node.running) return;
        const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        child = proc;
        let tail = '';
        proc.stderr.on('data', (chunk: Buffer) => {
          tail = (tail + chunk.toString()).slice(-600);
        });
        await waitForPort(port, 10_000, proc, () => tail);
      },
    };
    return node;
  });
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    servers: nodes.map((n) => n.url),
    async dispose() {
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      await rm(root, { recursive: true, force: true });
    },
  };
}
