import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterHandlers, DeliveredChange, NatsCluster } from './cluster-types.js';
import { connectCluster } from './connect-cluster.js';
import { isClusterUnavailableError } from './errors.js';
import { waitUntil } from './testing/lease-member.js';
import { callInputs } from './testing/log-fixtures.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';

// connectCluster on three nats-servers: replicas default to 3, and two daemons keep working
// when one nats-server is killed (inputs refused meanwhile are retried by the "phone").

const missing = !hasNatsServer();
// Was opt-in (owners recovered 17 s to over 60 s after the kill under the full suite); with the
// consumer watchdog 3 of 3 runs passed at a load average of 20-30 (all changes seen 22-27 s
// after the kill), so it runs in CI again.
const L = 6_000;

function handlers(changes: DeliveredChange[]): ClusterHandlers {
  return {
    onPartitionsGained: () => undefined,
    onPartitionsLost: () => undefined,
    onChange: (c) => changes.push(c),
    onJournalEntry: () => undefined,
    onCommand: () => Promise.resolve({ ok: true, value: null }),
    onConfig: () => undefined,
    onWebhookChange: () => Promise.resolve(),
  };
}

async function publishRetrying(
  cluster: NatsCluster,
  phoneId: string,
  input: Parameters<NatsCluster['publishInput']>[1],
): Promise<number> {
  for (let refused = 0; ; refused++) {
    try {
      await cluster.publishInput(phoneId, input, Date.now());
      return refused;
    } catch (e) {
      if (!isClusterUnavailableError(e) || refused > 60) throw e;
    }
  }
}

describe.skipIf(missing)('connectCluster (3 nats-servers)', () => {
  let nats: NatsTestCluster;
  const open: NatsCluster[] = [];
  beforeAll(async () => {
    nats = await startNatsCluster(3);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await nats.dispose();
  });

  it('uses three replicas and survives the death of one nats-server', async () => {
    const ca: DeliveredChange[] = [];
    const cb: DeliveredChange[] = [];
    const a = await connectCluster({ servers: nats.servers, nodeId: 'a', leaseTtlMs: L });
    open.push(a);
    const b = await connectCluster({ servers: nats.servers, nodeId: 'b', leaseTtlMs: L });
    open.push(b);
    await Promise.all([
      a.start(handlers(ca), { journalFromSeq: 0 }),
      b.start(handlers(cb), { journalFromSeq: 0 }),
    ]);
    await waitUntil(
      () => a.status().owned.length + b.status().owned.length === 64,
      20_000,
      'every partition owned',
    );
    const nc = await connect({ servers: nats.servers[1] ?? '' });
    try {
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info('SNOMLINK_EVENTS')).config.num_replicas).toBe(3);
      expect((await jsm.streams.info('KV_snomlink-leases')).config.num_replicas).toBe(3);
    } finally {
      await nc.close();
    }
    const phones = ['p-1', 'p-2', 'p-3', 'p-4'];
    const at = Date.now();
    for (const phone of phones) {
      const [incoming] = callInputs(phone, `${phone}-c1`, at);
      if (incoming !== undefined) await publishRetrying(a, phone, incoming);
    }
    const [first] = nats.nodes;
    if (first === undefined) throw new Error('node');
    const killedAt = Date.now();
    await first.kill();
    let refused = 0;
    for (const phone of phones) {
      const [, connected] = callInputs(phone, `${phone}-c1`, at);
      if (connected !== undefined) refused += await publishRetrying(b, phone, connected);
    }
    const seen = (changes: DeliveredChange[]): number =>
      new Set(changes.map((c) => `${c.record.phoneId}:${String(c.record.eventSeq)}`)).size;
    await waitUntil(
      () => seen(ca) >= phones.length * 2 && seen(cb) >= phones.length * 2,
      // Owners recover only after NATS elected new leaders and their consumers were recreated:
      // measured 19 s to more than 30 s here (see the report; the bound is generous on purpose).
      60_000,
      'every change on both daemons after the kill',
    );
    console.info(
      `one nats-server killed: ${String(refused)} inputs refused, all changes seen after ${String(Date.now() - killedAt)} ms`,
    );
    await waitUntil(
      () => a.status().owned.length + b.status().owned.length === 64,
      30_000,
      'every partition owned again',
    );
    for (const c of [a, b]) expect(c.lines().size).toBe(phones.length);
  }, 150_000);
});
