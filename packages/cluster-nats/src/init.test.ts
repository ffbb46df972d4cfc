import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { COMMANDS_TTL_MS, initCluster } from './init.js';
import { clusterNames } from './names.js';
import { hasNatsServer } from './testing/nats-server.js';
import { useOneServer } from './testing/one-server.js';

// init against a real nats-server: idempotent, the layout CLUSTER.md describes, meta adopted.

const missing = !hasNatsServer();
const MS = 1_000_000;

describe.skipIf(missing)('initCluster', () => {
  const server = useOneServer();

  it('creates the layout once; a second run changes nothing and adopts the stored meta', async () => {
    const names = clusterNames('it1');
    const first = await initCluster({ nc: server.nc, names, replicas: 1, leaseTtlMs: 4_000 });
    expect(first.meta).toEqual({ schemaVersion: 1, partitions: 64, leaseTtlMs: 4_000 });
    const second = await initCluster({ nc: server.nc, names, replicas: 1, leaseTtlMs: 9_000 });
    expect(second.meta).toEqual(first.meta);

    const jsm = await jetstreamManager(server.nc);
    const journal = await jsm.streams.info(names.journalStream);
    expect(journal.config.subjects).toEqual(['it1.jr.>']);
    expect(journal.config.max_msgs_per_subject).toBe(1);
    expect(journal.config.discard).toBe('new');
    expect(journal.config.discard_new_per_subject).toBe(true);
    const events = await jsm.streams.info(names.eventsStream);
    expect(events.config.subjects).toEqual(['it1.ev.>']);
    expect((await jsm.streams.info(names.changesStream)).config.subjects).toEqual(['it1.ch.>']);

    expect((await second.buckets.leases.status()).ttl).toBe(4_000);
    expect((await second.buckets.members.status()).ttl).toBe(4_000);
    expect((await second.buckets.commands.status()).ttl).toBe(COMMANDS_TTL_MS);
    expect((await second.buckets.lines.status()).ttl).toBe(0);
    const streams: string[] = [];
    for await (const s of jsm.streams.list()) streams.push(s.config.name);
    expect(streams.filter((n) => n.toLowerCase().includes('it1')).sort()).toEqual(
      [
        'IT1_CHANGES',
        'IT1_EVENTS',
        'IT1_JOURNAL',
        'KV_it1-commands',
        'KV_it1-config',
        'KV_it1-leases',
        'KV_it1-lines',
        'KV_it1-members',
      ].sort(),
    );
    expect(events.config.max_age).toBe(24 * 60 * 60 * 1000 * MS);
  });

  it('the journal keeps one message per subject, whatever the Msg-Id', async () => {
    const names = clusterNames('it2');
    await initCluster({ nc: server.nc, names, replicas: 1, leaseTtlMs: 4_000 });
    const js = jetstream(server.nc);
    const subject = names.journalSubject('desk-1', 'k1');
    await js.publish(subject, 'first', { msgID: 'a' });
    await expect(js.publish(subject, 'second', { msgID: 'b' })).rejects.toThrow();
    const jsm = await jetstreamManager(server.nc);
    expect((await jsm.streams.info(names.journalStream)).state.messages).toBe(1);
  });

  it('refuses replicas other than 1, 3 or 5', async () => {
    await expect(
      initCluster({ nc: server.nc, names: clusterNames('it3'), replicas: 2, leaseTtlMs: 4_000 }),
    ).rejects.toThrow(/replicas/);
  });
});
