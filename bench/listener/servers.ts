// Child process of bench/listener/run.ts: the servers under test, on their own event loop so
// the load generator does not steal their CPU. Sends the ports once listening, then answers
// "count" messages with the number of events delivered so far and "cpu" messages with the CPU
// time (user + system, µs) this process has used.
//   - bare: node:http answering 200 with an empty body, nothing else (the machine's limit);
//   - hono: Hono on @hono/node-server with the listener's route pattern, answering 200 at once
//     (the framework's own cost);
//   - listener: the real listener (createListener), valid events delivered to onEvent.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createListener } from '../../packages/listener/src/index.js';

export const SECRET = 'bench-secret-0123456789';

// hono and @hono/node-server are the listener package's dependencies, not the root's: load the
// very same ESM files the listener loads (one module instance, one global Request override).
const modules = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../packages/listener/node_modules',
);
interface MiniContext {
  body(data: null, status: 200): Response;
}
interface MiniHono {
  get(path: string, handler: (c: MiniContext) => Response): MiniHono;
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}
const { Hono } = (await import(pathToFileURL(join(modules, 'hono/dist/index.js')).href)) as {
  Hono: new () => MiniHono;
};
const { getRequestListener } = (await import(
  pathToFileURL(join(modules, '@hono/node-server/dist/index.mjs')).href
)) as {
  getRequestListener: (
    fetch: MiniHono['fetch'],
    options: { hostname: string },
  ) => (req: IncomingMessage, res: ServerResponse) => Promise<void>;
};

let delivered = 0;
const listener = createListener({
  resolvePhone: (id) => (id === 'p1' ? { id: 'p1', secret: SECRET } : undefined),
  onEvent: () => {
    delivered += 1;
  },
  maxConnections: 4096,
  // autocannon's 50 connections all come from 127.0.0.1: one host standing in for 50 phones.
  maxConnectionsPerSource: 4096,
});
const { port: listenerPort } = await listener.start({ host: '127.0.0.1', port: 0 });

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const bare = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
});
const barePort = await listen(bare);

const honoApp = new Hono().get('/snom/:phoneId/:event', (c) => c.body(null, 200));
const honoHandler = getRequestListener(honoApp.fetch, { hostname: 'localhost' });
const hono = createServer((req, res) => {
  void honoHandler(req, res);
});
const honoPort = await listen(hono);

process.on('message', (message) => {
  if (message === 'count') process.send?.({ delivered });
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
  if (message === 'stop') {
    void listener.stop().then(() => {
      bare.close();
      hono.close();
      process.exit(0);
    });
  }
});
process.send?.({ listenerPort, barePort, honoPort });
