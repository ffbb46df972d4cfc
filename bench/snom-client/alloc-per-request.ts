// Heap allocated and CPU spent per phone request: the snom client's `info()` against the same
// request sent with the dispatcher's own `request()` (undici's API) (the floor for one HTTP GET with
// `Connection: close`). Allocation is what the daemon's garbage (and so its RSS between major
// collections) grows with; it does not depend on the machine's load, CPU time does somewhat.
//
// Run: node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 --import tsx bench/snom-client/alloc-per-request.ts [requests=300]
import { createSimulatedPhone } from '../../packages/snom-simulator/src/index.js';
import { createSnomClient, createSnomDispatcher } from '../../packages/snom-client/src/index.js';

const REQUESTS = Number(process.argv[2] ?? '300');
const maybeGc = (globalThis as { gc?: () => void }).gc;
if (maybeGc === undefined)
  throw new Error('run with node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256');
const gc: () => void = maybeGc;

const phone = createSimulatedPhone({ model: 'snom360' });
const { host, port } = await phone.listen({ host: '127.0.0.1', port: 0 });
const dispatcher = createSnomDispatcher();
const client = createSnomClient({ host: `${host}:${String(port)}`, dispatcher });

/** Bytes allocated (heap growth with no collection in between) and CPU µs per call of `run`. */
async function measure(
  run: () => Promise<unknown>,
): Promise<{ kbPerRequest: number; cpuUs: number }> {
  for (let i = 0; i < 30; i++) await run(); // warm up
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) await run();
  const cpu = process.cpuUsage(c0);
  const h1 = process.memoryUsage().heapUsed;
  return {
    kbPerRequest: Math.round(((h1 - h0) / REQUESTS / 1024) * 10) / 10,
    cpuUs: Math.round((cpu.user + cpu.system) / REQUESTS),
  };
}

const origin = `http://${host}:${String(port)}`;
const rows = [
  {
    request: 'dispatcher.request() (floor; phone in process)',
    ...(await measure(async () => {
      const answer = await dispatcher.request({
        origin,
        path: '/info.htm',
        method: 'GET',
        headers: { connection: 'close' },
      });
      await answer.body.text();
    })),
  },
  { request: 'snom client info()', ...(await measure(() => client.info())) },
];
console.table(rows);
console.log(
  `${String(REQUESTS)} sequential requests each; heap growth with no GC in between (semi-space must hold it), the simulated phone's own allocation included in both rows`,
);
await client.close();
await dispatcher.close();
await phone.close();
