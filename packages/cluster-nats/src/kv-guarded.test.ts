import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedDelete, guardedUpdate, isKvConflict } from './kv-guarded.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';

const missing = !hasNatsServer();
if (missing && process.env['CI'] !== undefined) {
  throw new Error(
    'nats-server is missing under CI: scripts/ensure-nats.sh should have installed it',
  );
}
if (missing) console.warn('SKIPPING kv-guarded tests: nats-server is not installed');

async function openBucket(nc: NatsConnection, name: string, replicas: number): Promise<KV> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await new Kvm(jetstream(nc)).create(name, { history: 1, replicas });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Four writers append to one key with get + CAS + retry; returns acknowledged and stored. */
async function race(
  writers: readonly KV[],
  leader: NatsConnection,
  bucket: string,
  update: (kv: KV, data: string, revision: number) => Promise<number>,
): Promise<{ acknowledged: number; stored: number }> {
  const first = writers[0];
  if (first === undefined) throw new Error('no writer');
  await first.put('k', '[]');
  let acknowledged = 0;
  await Promise.all(
    writers.map(async (kv, w) => {
      for (let i = 0; i < 20; i += 1) {
        for (;;) {
          const e = await kv.get('k');
          if (e === null) throw new Error('key vanished');
          try {
            await update(
              kv,
              JSON.stringify([...e.json<string[]>(), `${String(w)}.${String(i)}`]),
              e.revision,
            );
            acknowledged += 1;
            break;
          } catch (err) {
            if (!isKvConflict(err)) throw err;
          }
        }
      }
    }),
  );
  // Read from the stream leader: a KV get may be answered by a lagging follower.
  const last = await (
    await jetstreamManager(leader)
  ).streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.k` });
  return { acknowledged, stored: last?.json<string[]>().length ?? 0 };
}

describe.skipIf(missing)('guarded CAS on three nats-servers (R3)', () => {
  let cluster: NatsTestCluster;
  const conns: NatsConnection[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    for (const url of cluster.servers) conns.push(await connect({ servers: url }));
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await cluster.dispose();
  });

  it('loses no update when four writers on different servers race on one key', async () => {
    const [a, b] = conns;
    if (a === undefined || b === undefined) throw new Error('no connections');
    const kvA = await openBucket(a, 'guarded', 3);
    const kvB = await new Kvm(jetstream(b)).open('guarded');
    const result = await race([kvA, kvB, kvA, kvB], a, 'guarded', (kv, data, rev) =>
      guardedUpdate(kv, 'k', data, rev),
    );
    expect(result).toEqual({ acknowledged: 80, stored: 80 });
  });

  it('reports the plain update for comparison (nats-server 2.9 may accept two at one revision)', async () => {
    const [a, b] = conns;
    if (a === undefined || b === undefined) throw new Error('no connections');
    const kvA = await openBucket(a, 'plain', 3);
    const kvB = await new Kvm(jetstream(b)).open('plain');
    const result = await race([kvA, kvB, kvA, kvB], a, 'plain', (kv, data, rev) =>
      kv.update('k', data, rev),
    );
    // Informational: on 2.9.10 this printed e.g. 80 acknowledged, 41 stored. Not asserted (a
    // fixed server stores all), only that nothing more is stored than was acknowledged.
    console.info(
      `plain KV update on R3: ${String(result.acknowledged)} acknowledged, ${String(result.stored)} stored`,
    );
    expect(result.stored).toBeLessThanOrEqual(result.acknowledged);
  });

  it('refuses a guarded delete at a stale revision and applies one at the current revision', async () => {
    const [a] = conns;
    if (a === undefined) throw new Error('no connection');
    const kv = await openBucket(a, 'guarded', 3);
    const r1 = await kv.put('d', '1');
    await kv.put('d', '2');
    const stale = await guardedDelete(kv, 'd', r1).catch((e: unknown) => e);
    expect(isKvConflict(stale)).toBe(true);
    const current = await kv.get('d');
    await guardedDelete(kv, 'd', current?.revision ?? 0);
    expect((await kv.get('d'))?.operation).toBe('DEL');
  });
});
