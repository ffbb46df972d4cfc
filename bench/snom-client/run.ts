// Requests per second of @snomlink/snom-client against one simulated phone on 127.0.0.1,
// side by side: Connection: close (default) vs keep-alive, and no auth vs Basic vs Digest
// (nonce reused with a counting nc, so Digest costs no extra round trip after the first).
// Bounded: N sequential info() reads per variant. Run: npx tsx bench/snom-client/run.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { createSimulatedPhone } from '../../packages/snom-simulator/src/index.js';
import { createSnomClient } from '../../packages/snom-client/src/index.js';

const N = Number(process.env['BENCH_N'] ?? 400);
const PASSWORD = 'bench-pw';

interface Row {
  variant: string;
  requests: number;
  ms: number;
  perSecond: number;
  phoneRequests: number;
}

async function measure(
  variant: string,
  auth: 'none' | 'basic' | 'digest',
  keepAlive: boolean,
): Promise<Row> {
  const phone = createSimulatedPhone({ auth, username: 'admin', password: PASSWORD });
  const { host, port } = await phone.listen({ host: '127.0.0.1', port: 0 });
  const client = createSnomClient({
    host: `${host}:${port}`,
    keepAlive,
    ...(auth === 'none' ? {} : { username: 'admin', password: PASSWORD }),
  });
  for (let i = 0; i < 20; i++) await client.info(); // warm-up
  const before = phone.requests.length;
  const start = performance.now();
  for (let i = 0; i < N; i++) await client.info();
  const ms = performance.now() - start;
  const row = {
    variant,
    requests: N,
    ms: Math.round(ms),
    perSecond: Math.round((N / ms) * 1000),
    phoneRequests: phone.requests.length - before,
  };
  await client.close();
  await phone.close();
  return row;
}

const rows: Row[] = [];
rows.push(await measure('no auth, Connection: close', 'none', false));
rows.push(await measure('no auth, keep-alive', 'none', true));
rows.push(await measure('Basic, Connection: close', 'basic', false));
rows.push(await measure('Digest MD5, Connection: close', 'digest', false));
rows.push(await measure('Digest MD5, keep-alive', 'digest', true));
const base = rows[0]!.perSecond;
console.table(rows.map((r) => ({ ...r, vsDefault: (r.perSecond / base).toFixed(2) })));
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/snom-client.json', import.meta.url),
  JSON.stringify({ node: process.version, n: N, rows }, null, 2),
);
