/**
 * Two daemons in cluster mode, in process, on one real nats-server: a call sent to daemon 1's
 * phone port shows live on daemon 2 and is journalled there (through the stream, the owner's
 * reducer, CHANGES and JOURNAL). The black-box scenarios with three built daemons are in
 * tests/cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasNatsServer, startNatsCluster } from '@snomlink/cluster-nats/testing';
import type { NatsTestCluster } from '@snomlink/cluster-nats/testing';
import type { CallList } from '../api/schemas.js';
import { openConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon, DaemonAddresses } from '../daemon.js';
import { createClusterBackbone } from './cluster-backbone.js';
import { connectClusterMode } from './connect-cluster-mode.js';

const missing = !hasNatsServer();
if (missing) {
  console.warn(
    'SKIPPED daemon cluster e2e: nats-server is not installed (bash scripts/ensure-nats.sh)',
  );
}

const SECRET = 'secret-0123456789';
const PHONE = { id: 'desk-201', host: '127.0.0.1:9', secret: SECRET };
let nats: NatsTestCluster;
let dir: string;
const running: Daemon[] = [];

beforeAll(async () => {
  if (missing) return;
  nats = await startNatsCluster(1);
  dir = await mkdtemp(join(tmpdir(), 'snomlink-cluster-e2e-'));
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

afterAll(async () => {
  if (missing) return;
  await nats.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The journalFromSeq each started daemon asked the cluster for, by node id. */
const journalFrom = new Map<string, number[]>();

async function startDaemon(nodeId: string): Promise<{ daemon: Daemon; at: DaemonAddresses }> {
  const config = await openConfigStore({
    file: join(dir, nodeId, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: { ...c.listener, host: '127.0.0.1', port: 0, publicHost: '127.0.0.1' },
      health: { ...c.health, intervalMs: 0 },
      phones: [{ ...c.phones[0], ...PHONE } as (typeof c.phones)[number]],
    }),
  });
  const logger = pino({ level: 'silent' });
  const cluster = await connectClusterMode(
    { servers: nats.servers, nodeId, prefix: 'e2e', leaseTtlMs: 3000 },
    { logger, reducerOptions: () => ({ dialRules: config.current.dialing }) },
  );
  const start = cluster.start.bind(cluster);
  cluster.start = (handlers, options) => {
    journalFrom.set(nodeId, [...(journalFrom.get(nodeId) ?? []), options.journalFromSeq]);
    return start(handlers, options);
  };
  const daemon = createDaemon({
    config,
    dataDir: join(dir, nodeId),
    logger,
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    backbone: ({ hub }) => createClusterBackbone({ cluster, hub, logger }),
  });
  running.push(daemon);
  return { daemon, at: await daemon.start() };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(missing)('cluster mode on one nats-server', () => {
  it('a call sent to daemon 1 appears in daemon 2’s /api/calls and journal', async () => {
    const one = await startDaemon('d1');
    const two = await startDaemon('d2');
    const send = (kind: string, q: string): Promise<Response> =>
      fetch(
        `http://127.0.0.1:${String(one.at.listener.port)}/snom/${PHONE.id}/${kind}?k=${SECRET}${q}`,
      );
    const calls = async (): Promise<CallList> => {
      const res = await fetch(`http://127.0.0.1:${String(two.at.admin.port)}/api/calls`, {
        headers: { authorization: `Bearer ${two.daemon.config.current.admin.token}` },
      });
      return (await res.json()) as CallList;
    };
    expect((await send('incoming', '&cid=e2e-1@pbx&n=1&remote=0301234567')).status).toBe(200);
    await waitFor(async () => (await calls()).calls.length === 1);
    expect((await calls()).calls[0]).toMatchObject({ phoneId: PHONE.id, state: 'offering' });
    expect((await send('connected', '&cid=e2e-1@pbx&n=1')).status).toBe(200);
    expect((await send('disconnected', '&cid=e2e-1@pbx&n=0')).status).toBe(200);
    await waitFor(() => two.daemon.journal.query().entries.length === 1);
    await waitFor(() => one.daemon.journal.query().entries.length === 1);
    expect(two.daemon.journal.query().entries[0]).toMatchObject({
      phoneId: PHONE.id,
      direction: 'inbound',
    });
    await waitFor(async () => (await calls()).calls.length === 0);
  }, 120_000);

  it('a restarted daemon resumes its journal after the JOURNAL sequence it stored', async () => {
    const one = await startDaemon('r1');
    const send = (kind: string, q: string): Promise<Response> =>
      fetch(
        `http://127.0.0.1:${String(one.at.listener.port)}/snom/${PHONE.id}/${kind}?k=${SECRET}${q}`,
      );
    const before = one.daemon.journal.query().entries.length;
    expect((await send('incoming', '&cid=e2e-r@pbx&n=1&remote=0301234567')).status).toBe(200);
    expect((await send('disconnected', '&cid=e2e-r@pbx&n=0')).status).toBe(200);
    await waitFor(() => one.daemon.journal.query().entries.length === before + 1);
    await one.daemon.stop();
    running.splice(running.indexOf(one.daemon), 1);
    const again = await startDaemon('r1');
    const asked = journalFrom.get('r1') ?? [];
    // The first start rebuilt from 1 (a new data dir); the restart resumes after what it stored.
    expect(asked[0]).toBe(1);
    expect(asked[1]).toBeGreaterThan(1);
    expect(again.daemon.journal.query().entries).toHaveLength(before + 1);
  }, 120_000);
});
