// Heap retained per phone client after it has talked to its phone (info + settings read), with
// one undici Agent per client (the old daemon) against one shared dispatcher (the daemon now).
// Measured after a forced GC, so only what stays reachable counts.
//
// Run: node --expose-gc --import tsx bench/snom-client/memory-per-client.ts [clients=500] [phones=clients]
import { createSimulatedPhone } from '../../packages/snom-simulator/src/index.js';
import { createSnomClient, createSnomDispatcher } from '../../packages/snom-client/src/index.js';
import type { SnomClient } from '../../packages/snom-client/src/index.js';

const CLIENTS = Number(process.argv[2] ?? '500');
/** Distinct phones (origins): a shared Agent keeps a pool per origin it has talked to. */
const PHONES = Number(process.argv[3] ?? String(CLIENTS));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const phones = await Promise.all(
  Array.from({ length: PHONES }, async () => {
    const phone = createSimulatedPhone({ model: 'snom360' });
    const { host, port } = await phone.listen({ host: '127.0.0.1', port: 0 });
    return { phone, host: `${host}:${port}` };
  }),
);

async function measure(shared: boolean): Promise<{ idleKb: number; usedKb: number }> {
  const dispatcher = shared ? createSnomDispatcher() : undefined;
  const h0 = heap();
  const clients: SnomClient[] = [];
  for (let i = 0; i < CLIENTS; i++)
    clients.push(
      createSnomClient({
        host: phones[i % phones.length]!.host,
        ...(dispatcher === undefined ? {} : { dispatcher }),
      }),
    );
  const h1 = heap();
  for (let i = 0; i < clients.length; i += 20)
    await Promise.all(
      clients.slice(i, i + 20).map(async (c) => {
        await c.info();
        await c.readSettings();
      }),
    );
  const h2 = heap();
  await Promise.all(clients.map((c) => c.close()));
  await dispatcher?.close();
  return {
    idleKb: Math.round(((h1 - h0) / CLIENTS / 1024) * 10) / 10,
    usedKb: Math.round(((h2 - h0) / CLIENTS / 1024) * 10) / 10,
  };
}

const own = await measure(false);
const shared = await measure(true);
console.table([
  { dispatcher: 'own dispatcher per client', ...own },
  { dispatcher: 'one shared dispatcher', ...shared },
]);
console.log(
  `KB of heap per client after a forced GC (${String(CLIENTS)} clients, ${String(PHONES)} phones): idle = created, used = after info() + readSettings()`,
);
await Promise.all(phones.map((p) => p.phone.close()));
process.exit(0);
