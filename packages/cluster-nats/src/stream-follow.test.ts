import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { judgeProbe } from './consumer-watchdog.js';
import { followStream, type FollowedMessage, type StreamFollow } from './stream-follow.js';
import { natsMissing } from './testing/log-test-env.js';
import { startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';

const missing = natsMissing();
const STREAM = 'FOLLOWKILL';

describe('judgeProbe', () => {
  it('stalls at once on a gone consumer, after two strikes on silence or failed probes', () => {
    const fresh = () => ({ handled: 0, strikes: 0 });
    expect(judgeProbe(fresh(), 5, new Error('consumer not found'))).toMatch(/gone/);
    const silent = fresh();
    expect(judgeProbe(silent, 5, { pending: 2, deliveredSeq: 5 })).toBeNull();
    expect(judgeProbe(silent, 5, { pending: 2, deliveredSeq: 5 })).toMatch(/silent/);
    const lost = fresh();
    expect(judgeProbe(lost, 5, { pending: 0, deliveredSeq: 7 })).toBeNull();
    expect(judgeProbe(lost, 5, { pending: 0, deliveredSeq: 7 })).toMatch(/delivered 7/);
    const timeout = fresh();
    expect(judgeProbe(timeout, 5, new Error('TIMEOUT'))).toBeNull();
    expect(judgeProbe(timeout, 5, new Error('TIMEOUT'))).toMatch(/unreachable/);
    const idle = fresh();
    expect(judgeProbe(idle, 5, new Error('TIMEOUT'))).toBeNull();
    expect(judgeProbe(idle, 5, { pending: 0, deliveredSeq: 5 })).toBeNull();
    expect(idle.strikes).toBe(0);
  });
});

describe.skipIf(missing)('followStream on three nats-servers', () => {
  let servers: NatsTestCluster | undefined;
  const connections: NatsConnection[] = [];
  let follow: StreamFollow | undefined;

  afterEach(async () => {
    await follow?.stop();
    await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
    await servers?.dispose();
  });

  async function open(urls: readonly string[]): Promise<NatsConnection> {
    const nc = await connect({
      servers: [...urls],
      noRandomize: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    connections.push(nc);
    return nc;
  }

  /** Publishes `ft.<n>` for each n, retrying refusals (a fail-over); msgID keeps each once. */
  async function publish(nc: NatsConnection, from: number, to: number): Promise<void> {
    const js = jetstream(nc, { timeout: 5_000 });
    for (let n = from; n <= to; n++) {
      await vi.waitFor(
        async () => {
          await js.publish(`ft.${String(n)}`, String(n), { msgID: `m${String(n)}` });
        },
        { timeout: 60_000, interval: 200 },
      );
    }
  }

  it('resumes after the server its consumer is on is killed: no gap, no repeat', async () => {
    servers = await startNatsCluster(3);
    const admin = await open(servers.servers);
    const jsm = await jetstreamManager(admin);
    // A fresh NATS cluster refuses placement until its servers know each other.
    await vi.waitFor(
      async () => {
        await jsm.streams.add({ name: STREAM, subjects: ['ft.>'], num_replicas: 3 });
      },
      { timeout: 30_000, interval: 250 },
    );
    const got: FollowedMessage[] = [];
    const js = jetstream(await open(servers.servers));
    // Retried: on a fresh, loaded NATS cluster the first consumer create may time out.
    follow = await vi.waitFor(
      () =>
        followStream({
          js,
          stream: STREAM,
          startSeq: 1,
          caughtUpAt: 0,
          onMessage: (m) => {
            got.push(m);
          },
          label: 'test follow',
        }),
      { timeout: 60_000, interval: 250 },
    );
    await publish(admin, 1, 50);
    await vi.waitFor(
      () => {
        expect(got).toHaveLength(50);
      },
      { timeout: 30_000, interval: 20 },
    );
    // The ordered consumer is an R1 ephemeral: kill the server it lives on.
    const host = await vi.waitFor(
      async () => (await jsm.consumers.list(STREAM).next())[0]?.cluster?.leader,
      { timeout: 60_000, interval: 250 },
    );
    const victim = servers.nodes.find((n) => n.name === host);
    if (victim === undefined) throw new Error(`consumer host ${String(host)} not found`);
    const survivors = servers.servers.filter((u) => u !== victim.url);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    await publish(await open(survivors), 51, 100);
    await vi.waitFor(
      () => {
        expect(got.length).toBeGreaterThanOrEqual(100);
      },
      { timeout: 120_000, interval: 50 },
    );
    console.info(
      `resumed after ${String(Date.now() - killedAt)} ms, ${String(follow.recoveries())} re-creations`,
    );
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(got.map((m) => new TextDecoder().decode(m.data))).toEqual(
      Array.from({ length: 100 }, (_, i) => String(i + 1)),
    );
  }, 180_000);
});
