// Latency of the TAPI bridge: from an Action URL request sent to the real listener (as a phone
// does: a fresh TCP connection per event) to the LINE_CALLSTATE notification arriving on every
// connected WebSocket client, p50/p99 over N calls, with 1, 10 and 100 connected clients.
// Also listed: from the listener handing the event to onEvent (after its 200 is on its way).
// The clients run in a worker thread (their own event loop; same machine, so they still share
// the CPU cores); times are on the shared clock performance.timeOrigin + performance.now().
// Run: npx tsx bench/tapi/run.ts  (BENCH_CALLS=1000 by default)
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  createEventHub,
  createLineModel,
  DEFAULT_DIAL_RULES,
  type SnomlinkEvent,
} from '../../packages/core/src/index.js';
import {
  buildActionUrls,
  createListener,
  createSecret,
} from '../../packages/listener/src/index.js';
import { createTapiBridge } from '../../packages/tapi-bridge/src/index.js';
import { startTapiTestServer } from '../../packages/tapi-bridge/src/testing/index.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 1000);
const WARMUP = 50;
const CLIENT_COUNTS = [1, 10, 100];
const TOKEN = 'bench-token';
const PHONE = 'bench360';

interface Row {
  clients: number;
  calls: number;
  sendToFirstP50Ms: number;
  sendToFirstP99Ms: number;
  sendToAllP50Ms: number;
  sendToAllP99Ms: number;
  listenerToAllP50Ms: number;
  listenerToAllP99Ms: number;
  notificationsPerSecond: number;
}

const clock = (): number => performance.timeOrigin + performance.now();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? NaN) * 1000) / 1000;
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(clientCount: number): Promise<Row> {
  const hub = createEventHub<SnomlinkEvent>();
  const lineModel = createLineModel({ hub, dialRules: DEFAULT_DIAL_RULES });
  const secret = createSecret();
  let listenerAt = 0;
  const listener = createListener({
    resolvePhone: (id) => (id === PHONE ? { id, secret } : undefined),
    onEvent: (event) => {
      listenerAt = clock();
      lineModel.apply(event);
    },
  });
  const { port } = await listener.start({ host: '127.0.0.1', port: 0 });
  const templates = buildActionUrls({
    publicBase: `http://127.0.0.1:${port}`,
    phoneId: PHONE,
    secret,
    capabilities: 'full',
  });
  const pathOf = (kind: 'incoming' | 'missed', cid: string): string => {
    const url = templates[`action_${kind}_url`];
    if (url === undefined) throw new Error(`no template for ${kind}`);
    const expanded = url
      .replace('$call-id', cid)
      .replace('$nr_ongoing_calls', kind === 'incoming' ? '1' : '0')
      .replace('$active_user', '201')
      .replace('$local', 'sip:201@pbx.example')
      .replace('$remote', 'sip:+4930123456@pbx.example')
      .replace('$display_remote', 'Bench Caller');
    const u = new URL(expanded.replaceAll(' ', '%20'));
    return `${u.pathname}${u.search}`;
  };

  const bridge = createTapiBridge({
    lines: [{ id: PHONE, name: 'Bench', model: 'snom360' }],
    hub,
    lineModel,
    clientFor: () => undefined,
    dialRules: DEFAULT_DIAL_RULES,
  });
  const server = await startTapiTestServer({
    bridge,
    token: TOKEN,
    maxBufferedBytes: 64 * 1024 * 1024,
  });
  // Workers do not inherit tsx's loader: register it inside the worker, then load the TS file.
  const workerFile = new URL('./clients-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerFile)}); });`,
    {
      eval: true,
      workerData: { url: server.url, token: TOKEN, lineId: PHONE, count: clientCount },
    },
  );
  const arrivals = new Map<string, (t: { first: number; last: number }) => void>();
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (m: unknown) => {
      if (m === 'ready') {
        resolve();
        return;
      }
      if (typeof m === 'object' && m !== null && 'key' in m) {
        const { key, first, last } = m as { key: string; first: number; last: number };
        arrivals.get(key)?.({ first, last });
        arrivals.delete(key);
      }
    });
  });
  const allReceived = (cid: string, state: string): Promise<{ first: number; last: number }> =>
    new Promise((resolve) => arrivals.set(`${cid}|${state}`, resolve));

  const sendToFirst: number[] = [];
  const sendToAll: number[] = [];
  const listenerToAll: number[] = [];
  let notifications = 0;
  let measuredMs = 0;
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const cid = `bench-${clientCount}-${i}@127.0.0.1`;
    const offered = allReceived(cid, 'OFFERING');
    const start = clock();
    const status = await get(port, pathOf('incoming', cid));
    if (status !== 200) throw new Error(`listener answered ${status}`);
    const { first, last } = await offered;
    const listenerTime = listenerAt;
    // End the call (missed) and wait until every client saw IDLE, so calls never overlap.
    const idle = allReceived(cid, 'IDLE');
    await get(port, pathOf('missed', cid));
    await idle;
    if (i < WARMUP) continue;
    sendToFirst.push(first - start);
    sendToAll.push(last - start);
    listenerToAll.push(last - listenerTime);
    measuredMs += clock() - start;
    notifications += clientCount * 3; // OFFERING, DISCONNECTED, IDLE
  }

  await new Promise<void>((resolve) => {
    worker.on('message', (m: unknown) => {
      if (m === 'closed') resolve();
    });
    worker.postMessage('close');
  });
  await worker.terminate();
  await server.close();
  await bridge.close();
  await listener.stop();
  return {
    clients: clientCount,
    calls: CALLS,
    sendToFirstP50Ms: percentile(sendToFirst, 50),
    sendToFirstP99Ms: percentile(sendToFirst, 99),
    sendToAllP50Ms: percentile(sendToAll, 50),
    sendToAllP99Ms: percentile(sendToAll, 99),
    listenerToAllP50Ms: percentile(listenerToAll, 50),
    listenerToAllP99Ms: percentile(listenerToAll, 99),
    notificationsPerSecond: Math.round(notifications / (measuredMs / 1000)),
  };
}

const rows: Row[] = [];
for (const n of CLIENT_COUNTS) rows.push(await measure(n));

const base = rows[0];
console.log(
  `TAPI bridge: Action URL → LINE_CALLSTATE (OFFERING) on every WebSocket client, ${CALLS} calls each, ms`,
);
console.table(
  rows.map((r) => ({
    clients: r.clients,
    'send→first p50': r.sendToFirstP50Ms,
    'send→first p99': r.sendToFirstP99Ms,
    'send→all p50': r.sendToAllP50Ms,
    'send→all p99': r.sendToAllP99Ms,
    'listener→all p50': r.listenerToAllP50Ms,
    'listener→all p99': r.listenerToAllP99Ms,
    'all p50 vs 1 client': base ? `${(r.sendToAllP50Ms / base.sendToAllP50Ms).toFixed(2)}x` : '-',
    'notifications/s': r.notificationsPerSecond,
  })),
);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/tapi.json', import.meta.url),
  `${JSON.stringify({ bench: 'tapi', node: process.version, measuredAt: new Date().toISOString(), calls: CALLS, rows }, null, 2)}\n`,
);
