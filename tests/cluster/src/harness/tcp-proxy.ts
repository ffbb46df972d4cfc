import { createHash } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** One address the proxy forwards to (a daemon's phone listener). */
export interface ProxyBackend {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link createTcpProxy}. */
export interface TcpProxyOptions {
  readonly backends: readonly ProxyBackend[];
  /** Address to listen on (default 127.0.0.1, port 0 = any free port). */
  readonly host?: string;
  readonly port?: number;
  /** A backend that refused or timed out is skipped for this long (default 1 000 ms). */
  readonly deadForMs?: number;
  /** Give up on a backend's connect after this long and try the next (default 1 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Counters of a running proxy. */
export interface TcpProxyStats {
  /** Connections forwarded to each backend (index as in `backends`). */
  readonly forwarded: readonly number[];
  /** Times a backend refused or timed out and the next one was tried. */
  readonly failovers: number;
  /** Client connections closed because no backend could be reached. */
  readonly dropped: number;
}

/** A running proxy: the phones' single address in front of every daemon. */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, the Action URL base the phones use. */
  readonly url: string;
  /** Takes a backend out of rotation (as a balancer's health check would) or back in. */
  setEnabled(index: number, enabled: boolean): void;
  /** The backend order this source address gets while every backend is up (first = preferred). */
  preferenceOf(sourceAddress: string): readonly number[];
  stats(): TcpProxyStats;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/**
 * Rendezvous (highest random weight) order of backends for one source address: each backend
 * scores sha1(source|index) and the highest wins. Stable while the set is unchanged, and when a
 * backend drops out only its own sources move (to their second choice). Pure.
 */
export function rendezvousOrder(sourceAddress: string, backendCount: number): number[] {
  const scored = Array.from({ length: backendCount }, (_, index) => ({
    index,
    score: createHash('sha1')
      .update(`${sourceAddress}|${String(index)}`)
      .digest()
      .readUInt32BE(0),
  }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s) => s.index);
}

/**
 * A small L4 (TCP) proxy for tests, standing in for the L4 balancer or virtual IP of
 * docs/cluster.md: each client connection goes to one backend chosen by the client's source
 * address (so one phone's Action URLs keep their order on one daemon), skipping backends that are
 * disabled or recently refused; when the chosen one refuses or does not accept within
 * `connectTimeoutMs`, the next in that source's order is tried. Bytes are piped unchanged.
 * A stopped (SIGSTOP) daemon still accepts connections in the kernel: those hang, as they would
 * behind a real L4 balancer without health checks, unless the test disables that backend.
 */
export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const backends = [...options.backends];
  if (backends.length === 0) throw new RangeError('a proxy needs at least one backend');
  const now = options.now ?? Date.now;
  const deadForMs = options.deadForMs ?? 1000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const enabled = backends.map(() => true);
  const deadUntil = backends.map(() => 0);
  const forwarded = backends.map(() => 0);
  let failovers = 0;
  let dropped = 0;
  const open = new Set<Socket>();

  const candidates = (source: string): number[] => {
    const order = rendezvousOrder(source, backends.length).filter((i) => enabled[i] === true);
    const alive = order.filter((i) => (deadUntil[i] ?? 0) <= now());
    // All enabled backends recently dead: try them anyway (one may be back).
    return alive.length > 0 ? alive : order;
  };

  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const connectTo = (index: number): Promise<Socket | null> =>
    new Promise((resolve) => {
      const backend = backends[index];
      if (backend === undefined) {
        resolve(null);
        return;
      }
      const upstream = createConnection({ host: backend.host, port: backend.port });
      const timer = setTimeout(() => {
        upstream.destroy();
        finish(null);
      }, connectTimeoutMs);
      let settled = false;
      const finish = (socket: Socket | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(socket);
      };
      upstream.once('connect', () => {
        finish(upstream);
      });
      upstream.once('error', () => {
        upstream.destroy();
        finish(null);
      });
    });

  const handle = async (client: Socket): Promise<void> => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    const source = client.remoteAddress ?? '';
    for (const index of candidates(source)) {
      const upstream = await connectTo(index);
      if (client.destroyed) {
        upstream?.destroy();
        return;
      }
      if (upstream === null) {
        deadUntil[index] = now() + deadForMs;
        failovers += 1;
        continue;
      }
      track(upstream);
      forwarded[index] = (forwarded[index] ?? 0) + 1;
      upstream.on('error', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    dropped += 1;
    client.destroy();
  };

  const server: Server = createServer((client) => {
    void handle(client);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    host,
    port,
    url: `http://${host}:${String(port)}`,
    setEnabled(index, on) {
      if (index < 0 || index >= backends.length) throw new RangeError(`no backend ${index}`);
      enabled[index] = on;
      if (on) deadUntil[index] = 0;
    },
    preferenceOf: (source) => rendezvousOrder(source, backends.length),
    stats: () => ({ forwarded: [...forwarded], failovers, dropped }),
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
