import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedConfigDocument } from './cluster-types.js';
import { isClusterError } from './errors.js';
import { clusterNames } from './names.js';
import { createSharedConfig, type SharedConfig } from './shared-config.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';
import { ensureSharedLayout, openSharedLayout } from './testing/shared-layout.js';

const missing = !hasNatsServer();
if (missing && process.env['CI'] !== undefined) {
  throw new Error(
    'nats-server is missing under CI: scripts/ensure-nats.sh should have installed it',
  );
}
if (missing) console.warn('SKIPPING shared-config tests: nats-server is not installed');

/** Resolves with the first document `pick` accepts among those a store reports. */
function waitForConfig(
  docs: SharedConfigDocument[],
  listeners: ((d: SharedConfigDocument) => void)[],
  pick: (d: SharedConfigDocument) => boolean,
): Promise<SharedConfigDocument> {
  const seen = docs.find(pick);
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`no matching config within 30 s; last seen: ${JSON.stringify(docs.at(-1))}`),
      );
    }, 30_000);
    listeners.push((d) => {
      if (pick(d)) {
        clearTimeout(timer);
        resolve(d);
      }
    });
  });
}

interface Daemon {
  store: SharedConfig;
  docs: SharedConfigDocument[];
  when(pick: (d: SharedConfigDocument) => boolean): Promise<SharedConfigDocument>;
}

function addPhone(id: string, value: unknown) {
  return (doc: SharedConfigDocument): SharedConfigDocument => ({
    ...doc,
    phones: { ...doc.phones, [id]: value },
  });
}

for (const size of [1, 3] as const) {
  describe.skipIf(missing)(`shared config on ${String(size)} nats-server(s)`, () => {
    const names = clusterNames(`cfg${String(size)}`);
    let cluster: NatsTestCluster;
    const conns: NatsConnection[] = [];
    const stores: SharedConfig[] = [];

    async function daemon(url: string | readonly string[]): Promise<Daemon> {
      const nc = await connect({
        servers: typeof url === 'string' ? url : [...url],
        reconnectTimeWait: 100,
        maxReconnectAttempts: -1,
        noRandomize: true,
      });
      conns.push(nc);
      const { config } = await openSharedLayout(nc, names);
      const docs: SharedConfigDocument[] = [];
      const listeners: ((d: SharedConfigDocument) => void)[] = [];
      const store = createSharedConfig({
        config,
        nodeId: String(url),
        onConfig: (d) => {
          docs.push(d);
          for (const l of listeners) l(d);
        },
      });
      stores.push(store);
      return { store, docs, when: (pick) => waitForConfig(docs, listeners, pick) };
    }

    beforeAll(async () => {
      cluster = await startNatsCluster(size);
      const admin = await connect({ servers: [...cluster.servers] });
      conns.push(admin);
      const { config } = await ensureSharedLayout(admin, names, size);
      // A key that is not config (init's `meta`) is ignored.
      await config.put('meta', JSON.stringify({ version: 1, partitions: 64 }));
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all(conns.map((c) => c.close()));
      await cluster.dispose();
    });

    it('seeds once from the first daemon and shows the config on a second connection', async () => {
      const a = await daemon(cluster.servers[0] ?? '');
      await a.store.start();
      const seeded = await a.store.seed({
        sections: { dialing: { prefix: '0' }, webhooks: [] },
        phones: { 'desk-1': { host: '10.0.0.1' }, 'desk-2': { host: '10.0.0.2' } },
      });
      expect(seeded).toBe(true);
      const b = await daemon(cluster.servers[size - 1] ?? '');
      const loaded = await b.store.start();
      expect(loaded.sections).toEqual({ dialing: { prefix: '0' }, webhooks: [] });
      expect(loaded.phones).toEqual({
        'desk-1': { host: '10.0.0.1' },
        'desk-2': { host: '10.0.0.2' },
      });
      // A later daemon with another local file does not overwrite the cluster's config.
      const again = await b.store.seed({ sections: { dialing: { prefix: '9' } }, phones: {} });
      expect(again).toBe(false);
      expect(b.store.read().sections['dialing']).toEqual({ prefix: '0' });
    });

    it('shows a phone added on one daemon on the other, and a delete too', async () => {
      const a = await daemon(cluster.servers[0] ?? '');
      const b = await daemon(cluster.servers[size - 1] ?? '');
      await Promise.all([a.store.start(), b.store.start()]);
      const after = await a.store.update(addPhone('desk-3', { host: '10.0.0.3' }));
      expect(after.phones['desk-3']).toEqual({ host: '10.0.0.3' });
      expect(a.store.read().phones['desk-3']).toEqual({ host: '10.0.0.3' });
      const seen = await b.when((d) => d.phones['desk-3'] !== undefined);
      expect(seen.phones['desk-3']).toEqual({ host: '10.0.0.3' });
      // The writer is told too (onConfig covers this daemon's own changes).
      await a.when((d) => d.phones['desk-3'] !== undefined);

      await b.store.update((doc) => {
        const { ['desk-3']: _gone, ...phones } = doc.phones;
        return { ...doc, phones };
      });
      await a.when((d) => d.phones['desk-3'] === undefined && d.revision > seen.revision);
      expect(a.store.read().phones['desk-3']).toBeUndefined();
      expect(a.store.read().phones['desk-1']).toEqual({ host: '10.0.0.1' });
    });

    it('loses no change when two daemons edit the same section at once (CAS with retry)', async () => {
      const a = await daemon(cluster.servers[0] ?? '');
      const b = await daemon(cluster.servers[size - 1] ?? '');
      await Promise.all([a.store.start(), b.store.start()]);
      const append =
        (rule: string) =>
        (doc: SharedConfigDocument): SharedConfigDocument => {
          const old = (doc.sections['rules'] as string[] | undefined) ?? [];
          return { ...doc, sections: { ...doc.sections, rules: [...old, rule] } };
        };
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => [
          a.store.update(append(`a${String(i)}`)),
          b.store.update(append(`b${String(i)}`)),
        ]).flat(),
      );
      // Read the stored value directly: a lost update shows at once (no waiting for a watcher).
      const nc = conns[0];
      if (nc === undefined) throw new Error('no admin connection');
      // From the stream leader: a KV get may be answered by a follower that lags (direct get).
      const bucket = names.buckets.config;
      const last = await (
        await jetstreamManager(nc)
      ).streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.section.rules` });
      const rules = last?.json<string[]>() ?? [];
      expect(rules).toHaveLength(20);
      expect(new Set(rules).size).toBe(20);
      // And both daemons end up seeing all of them.
      await a.when((d) => (d.sections['rules'] as string[] | undefined)?.length === 20);
      await b.when((d) => (d.sections['rules'] as string[] | undefined)?.length === 20);
    });

    it('refuses a bad phone id or section name without writing anything', async () => {
      const a = await daemon(cluster.servers[0] ?? '');
      await a.store.start();
      const before = a.store.read();
      const bad = await a.store
        .update((doc) => ({
          ...doc,
          phones: { ...doc.phones, 'ok-phone': {}, 'no.dots>': {} },
        }))
        .catch((e: unknown) => e);
      expect(isClusterError(bad)).toBe(true);
      expect((bad as Error).message).toMatch(/phone id/);
      const badSection = await a.store
        .update((doc) => ({ ...doc, sections: { ...doc.sections, 'a b': 1 } }))
        .catch((e: unknown) => e);
      expect(isClusterError(badSection)).toBe(true);
      expect(a.store.read()).toEqual(before);
      const fresh = await daemon(cluster.servers[0] ?? '');
      expect((await fresh.store.start()).phones['ok-phone']).toBeUndefined();
    });

    it('skips a value that is not JSON and lets an update overwrite it', async () => {
      const nc = conns[0];
      if (nc === undefined) throw new Error('no admin connection');
      const { config } = await openSharedLayout(nc, names);
      await config.put('phone.junk-1', '{not json');
      const a = await daemon(cluster.servers[0] ?? '');
      const doc = await a.store.start();
      expect(doc.phones['junk-1']).toBeUndefined();
      expect(doc.phones['desk-1']).toEqual({ host: '10.0.0.1' });
      const fixed = await a.store.update(addPhone('junk-1', { host: '10.0.0.9' }));
      expect(fixed.phones['junk-1']).toEqual({ host: '10.0.0.9' });
      expect((await config.get('phone.junk-1'))?.json()).toEqual({ host: '10.0.0.9' });
    });

    // Failed about 1 run in 4 before the KV follow had a watchdog (the re-started consumer stayed
    // silent); with it, 3 of 3 runs of the file passed at a load average of 60-64.
    it.skipIf(size === 1)('keeps following changes after a nats-server is killed', async () => {
      const victim = cluster.nodes[1];
      if (victim === undefined) throw new Error('no node');
      // Both start on the victim (first in the list, no randomizing), so both must reconnect.
      const order = [victim.url, ...cluster.servers.filter((u) => u !== victim.url)];
      const a = await daemon(order);
      const b = await daemon(order);
      await Promise.all([a.store.start(), b.store.start()]);
      await victim.kill('SIGKILL');
      try {
        // Writes during the fail-over may be refused (unavailable): retry like a user would.
        const deadline = Date.now() + 30_000;
        for (;;) {
          try {
            await a.store.update(addPhone('after-kill', { host: '10.0.0.66' }));
            break;
          } catch (e) {
            if (Date.now() > deadline) throw e;
          }
        }
        const seen = await b.when((d) => d.phones['after-kill'] !== undefined);
        expect(seen.phones['after-kill']).toEqual({ host: '10.0.0.66' });
        expect(seen.phones['desk-1']).toEqual({ host: '10.0.0.1' });
      } finally {
        await victim.start();
      }
    });
  });
}
