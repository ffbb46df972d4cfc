// Child process of bench/listener/run.ts: the servers under test, on their own event loop so
// the load generator does not steal their CPU. Prints one JSON line with the ports, then
// answers "count" messages with the number of events delivered so far.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createListener } from '../../packages/listener/src/index.js';

export const SECRET = 'bench-secret-0123456789';

let delivered = 0;
const listener = createListener({
  resolvePhone: (id) => (id === 'p1' ? { id: 'p1', secret: SECRET } : undefined),
  onEvent: () => {
    delivered += 1;
  },
  maxConnections: 4096,
});
const { port: listenerPort } = await listener.start({ host: '127.0.0.1', port: 0 });

const bare = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const barePort = (bare.address() as AddressInfo).port;

process.on('message', (message) => {
  if (message === 'count') process.send?.({ delivered });
  if (message === 'stop') {
    void listener.stop().then(() => {
      bare.close();
      process.exit(0);
    });
  }
});
process.send?.({ listenerPort, barePort });
