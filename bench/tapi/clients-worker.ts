// Hosts the WebSocket clients of bench/tapi/run.ts in their own thread, so the server's event
// loop measures only the server. For each (call, state) it posts one message once every client
// has received it: the first and last receive times on the shared clock (timeOrigin + now()).
import { parentPort, workerData } from 'node:worker_threads';
import { createTapiClient, type TapiClient } from '../../packages/tapi-bridge/src/client/index.js';

interface Input {
  url: string;
  token: string;
  lineId: string;
  count: number;
}
const input = workerData as Input;
const port = parentPort;
if (port === null) throw new Error('run as a worker');

const clock = (): number => performance.timeOrigin + performance.now();
const pending = new Map<string, { first: number; last: number; n: number }>();
const clients: TapiClient[] = [];
for (let i = 0; i < input.count; i++) {
  const client = createTapiClient({ url: input.url, token: input.token, reconnect: false });
  await client.connect();
  await client.lineOpen(input.lineId);
  client.on('LINE_CALLSTATE', (p) => {
    const t = clock();
    const key = `${p.info.sipCallId ?? p.callId}|${p.callStateName}`;
    const entry = pending.get(key) ?? { first: t, last: t, n: 0 };
    entry.last = t;
    entry.n += 1;
    if (entry.n === input.count) {
      pending.delete(key);
      port.postMessage({ key, first: entry.first, last: entry.last });
    } else pending.set(key, entry);
  });
  clients.push(client);
}
port.on('message', (m: unknown) => {
  if (m === 'close') {
    void Promise.all(clients.map((c) => c.close())).then(() => {
      port.postMessage('closed');
    });
  }
});
port.postMessage('ready');
