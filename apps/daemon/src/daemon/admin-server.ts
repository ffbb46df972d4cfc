import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { DaemonStartError } from '../errors.js';

/** How long open connections may take to finish at shutdown before they are cut. */
const FORCED_CLOSE_MS = 2500;

/** The admin API's HTTP server and the SSE streams it has to end at shutdown. */
export interface AdminServer {
  /**
   * Binds the server (port 0 = any free one) and returns the bound port; a refused address is
   * a {@link DaemonStartError} naming the option to change.
   */
  listen(app: Hono, host: string, port: number): Promise<number>;
  /** Registers an open SSE stream; returns the function that forgets it (the stream ended). */
  trackStream(close: () => void): () => void;
  /**
   * Stops accepting, ends the SSE streams and waits for requests in flight (cut after 2.5 s).
   * Does nothing when the server never listened.
   */
  close(): Promise<void>;
}

/** Options of {@link createAdminServer}. */
export interface AdminServerOptions {
  /** Called with the HTTP server before it listens (WebSocket upgrade injection). */
  readonly onServer?: ((server: Server) => void) | undefined;
}

/** Listens once; resolves the bound port or rejects with the server's error. */
function listenServer(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

class NodeAdminServer implements AdminServer {
  readonly #options: AdminServerOptions;
  readonly #streams = new Set<() => void>();
  #server: Server | null = null;

  constructor(options: AdminServerOptions) {
    this.#options = options;
  }

  async listen(app: Hono, host: string, port: number): Promise<number> {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    this.#options.onServer?.(server);
    try {
      const bound = await listenServer(server, host, port);
      this.#server = server;
      return bound;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new DaemonStartError(
        'admin',
        host,
        port,
        code === 'EADDRINUSE'
          ? `the admin port ${String(port)} is already in use on ${host}; choose another port with --admin HOST:PORT (or admin.port in the config)`
          : `the admin API cannot listen on ${host}:${String(port)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  trackStream(close: () => void): () => void {
    this.#streams.add(close);
    return () => this.#streams.delete(close);
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    const closed =
      server === null
        ? Promise.resolve()
        : new Promise<void>((resolve) =>
            server.close(() => {
              resolve();
            }),
          );
    for (const end of this.#streams) end();
    server?.closeIdleConnections();
    const forced = setTimeout(() => server?.closeAllConnections(), FORCED_CLOSE_MS);
    forced.unref();
    await closed;
    clearTimeout(forced);
  }
}

/** The admin HTTP server for the Hono app (see {@link AdminServer}). */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  return new NodeAdminServer(options);
}
