/**
 * A daemon started while NATS is down answers on its ports: phones get 503 with a
 * Retry-After (never silence, never a 200 the cluster could not keep), /api/health says why it
 * waits, /api/metrics says `snomlink_cluster_connected 0`, other API routes 503; once NATS is up
 * and the daemon joined, the same ports serve normally. One real nats-server, stopped first.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { phoneConfig } from '../config/config-schema.js';
import type { JoiningPorts } from './joining-ports.js';
import { connectClusterMode } from './connect-cluster-mode.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { useNatsTestBed } from '../testing/nats-test-bed.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';

const bed = useNatsTestBed('daemon cluster joining test');

const SECRET = 'secret-0123456789';
const PHONE = phoneConfig({ id: 'desk-301', host: '127.0.0.1:9', secret: SECRET });

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(bed.missing)('a daemon started while NATS is down', () => {
  it('answers 503, health and metrics on its ports until it joined, then serves', async () => {
    const node = bed.nats.nodes[0];
    if (node === undefined) throw new Error('no nats-server');
    await node.kill();
    const logger = pino({ level: 'silent' });
    let ports: JoiningPorts | null = null;
    const starting = startClusterTestDaemon({
      dataDir: join(bed.dir, 'j1'),
      phones: [PHONE],
      logger,
      sharedConfig: true,
      onJoiningPorts: (p) => {
        ports = p;
      },
      join: (dialRules, progress) =>
        connectClusterMode(
          { servers: bed.nats.servers, nodeId: 'j1', prefix: 'join1', leaseTtlMs: 3000 },
          {
            logger,
            reducerOptions: () => ({ dialRules: dialRules() }),
            onRetry: () => {
              progress.failed();
            },
          },
        ),
    });
    let started: ClusterTestDaemon | null = null;
    void starting.then((s) => (started = s));
    await waitFor(() => Promise.resolve(ports !== null));
    const at = ports as unknown as JoiningPorts;
    const phoneUrl = `http://127.0.0.1:${String(at.listener.port)}/snom/${PHONE.id}/incoming?k=${SECRET}&cid=j-1@pbx&n=1`;
    const admin = (path: string): Promise<Response> =>
      fetch(`http://127.0.0.1:${String(at.admin.port)}${path}`);

    // Waiting: the health says why once the first attempt failed.
    await waitFor(async () => {
      const body = (await (await admin('/api/health')).json()) as { reason: string };
      return body.reason.includes('NATS unreachable');
    });
    const health = await admin('/api/health');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: 'starting',
      reason: expect.stringMatching(/^joining the cluster: NATS unreachable/) as unknown,
    });
    const phone = await fetch(phoneUrl);
    expect(phone.status).toBe(503);
    expect(phone.headers.get('retry-after')).not.toBeNull();
    const metrics = await admin('/api/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^snomlink_cluster_connected 0$/m);
    const calls = await admin('/api/calls');
    expect(calls.status).toBe(503);
    expect(await calls.json()).toMatchObject({ error: 'joining-cluster' });
    expect(started).toBeNull();

    // NATS comes back: the daemon joins and serves on the same ports.
    await node.start();
    const d = await starting;
    try {
      expect(d.at.listener.port).toBe(at.listener.port);
      expect(d.at.admin.port).toBe(at.admin.port);
      expect((await fetch(phoneUrl)).status).toBe(200);
      const joined = await d.api('/api/health');
      expect(joined.status).toBe(200);
      expect(await joined.json()).toMatchObject({ status: 'ok' });
      expect(await (await d.api('/api/metrics')).text()).toMatch(/^snomlink_cluster_connected 1$/m);
    } finally {
      await d.daemon.stop();
    }
  }, 90_000);

  it('binds no stand-ins when NATS answers (a restart leaves its phones to the others)', async () => {
    const logger = pino({ level: 'silent' });
    let standIns = 0;
    const d = await startClusterTestDaemon({
      dataDir: join(bed.dir, 'j2'),
      phones: [PHONE],
      logger,
      sharedConfig: true,
      onJoiningPorts: () => {
        standIns += 1;
      },
      join: (dialRules) =>
        connectClusterMode(
          { servers: bed.nats.servers, nodeId: 'j2', prefix: 'join2', leaseTtlMs: 3000 },
          { logger, reducerOptions: () => ({ dialRules: dialRules() }) },
        ),
    });
    await d.daemon.stop();
    expect(standIns).toBe(0);
  }, 60_000);
});
