import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { createTapiRoute, tapiTokenAuth } from '../tapi-route.js';
import type { TapiBridge } from '../tapi-bridge.js';

/** A running TAPI WebSocket server for tests and benchmarks. */
export interface TapiTestServer {
  /** `ws://127.0.0.1:PORT/tapi`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `createTapiRoute` at `/tapi` on 127.0.0.1 (ephemeral port by default), wired exactly as
 * the daemon does it (Hono + @hono/node-server + @hono/node-ws).
 */
export async function startTapiTestServer(options: {
  bridge: TapiBridge;
  token: string;
  port?: number;
  maxBufferedBytes?: number;
  onError?: (error: unknown) => void;
}): Promise<TapiTestServer> {
  const app = new Hono();
  // @hono/node-ws returns plain closures (no `this`), so destructuring them is safe.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { upgradeWebSocket, injectWebSocket, wss } = createNodeWebSocket({ app });
  app.route(
    '/tapi',
    createTapiRoute({
      bridge: options.bridge,
      upgradeWebSocket,
      authenticate: tapiTokenAuth(options.token),
      ...(options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: options.maxBufferedBytes }),
      ...(options.onError ? { onError: options.onError } : {}),
    }),
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: (request, env) => app.fetch(request, env),
        hostname: '127.0.0.1',
        port: options.port ?? 0,
      },
      () => {
        resolve(s);
      },
    );
  });
  injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/tapi`,
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
