/** Two daemons in cluster mode, in process, on the in-memory fake cluster (no NATS needed). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { clusterStateSchema } from '../api/cluster-schemas.js';
import type { CallList } from '../api/schemas.js';
import { USER_ROUTES, userMayReach } from '../http/route-policy.js';
import type { Daemon, DaemonAddresses } from '../daemon.js';
import { createFakeClusterNetwork } from '../testing/fake-cluster.js';
import type { FakeClusterNetwork } from '../testing/fake-cluster.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { phoneConfig } from '../config/config-schema.js';

const SECRET = 'secret-0123456789';
const PHONE = phoneConfig({ id: 'desk-201', host: '127.0.0.1:9', secret: SECRET });

let dir: string;
let network: FakeClusterNetwork;
const running: Daemon[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-cluster-'));
  network = createFakeClusterNetwork();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function startDaemon(nodeId: string): Promise<ClusterTestDaemon> {
  const started = await startClusterTestDaemon({
    dataDir: join(dir, nodeId),
    phones: [PHONE],
    logger: pino({ level: 'silent' }),
    join: () => network.node(nodeId),
    sharedConfig: false,
  });
  running.push(started.daemon);
  return started;
}

function phoneEvent(at: DaemonAddresses, kind: string, query = ''): Promise<Response> {
  return fetch(
    `http://127.0.0.1:${String(at.listener.port)}/snom/${PHONE.id}/${kind}?k=${SECRET}${query}`,
  );
}

async function liveCalls(daemon: Daemon, at: DaemonAddresses): Promise<CallList> {
  const res = await fetch(`http://127.0.0.1:${String(at.admin.port)}/api/calls`, {
    headers: { authorization: `Bearer ${daemon.config.current.admin.token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as CallList;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cluster mode on the fake cluster', () => {
  it('a call sent to daemon 1 shows on daemon 2, live and in its journal', async () => {
    const one = await startDaemon('d1');
    const two = await startDaemon('d2');
    const q = '&cid=c1@pbx&n=1&remote=0301234567';
    expect((await phoneEvent(one.at, 'incoming', q)).status).toBe(200);
    await waitFor(async () => (await liveCalls(two.daemon, two.at)).calls.length === 1);
    expect((await liveCalls(two.daemon, two.at)).calls[0]).toMatchObject({
      phoneId: PHONE.id,
      state: 'offering',
    });
    expect((await phoneEvent(two.at, 'connected', '&cid=c1@pbx&n=1')).status).toBe(200);
    expect((await phoneEvent(one.at, 'disconnected', '&cid=c1@pbx&n=0')).status).toBe(200);
    await waitFor(() => two.daemon.journal.query().entries.length === 1);
    await waitFor(() => one.daemon.journal.query().entries.length === 1);
    expect(two.daemon.journal.query().entries[0]).toMatchObject({ phoneId: PHONE.id });
    expect((await liveCalls(one.daemon, one.at)).calls).toEqual([]);
    expect(network.journal).toHaveLength(1);
  });

  it('answers the phone only after the stream ack, and 503 when NATS is unreachable', async () => {
    const one = await startDaemon('d1');
    const release = network.holdAcks();
    let answered = false;
    const pending = phoneEvent(one.at, 'offhook').then((r) => {
      answered = true;
      return r;
    });
    // The admin API still answers while the phone waits: the wait is the ack, not a stall.
    await liveCalls(one.daemon, one.at);
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);
    network.setAvailable(false);
    const refused = await phoneEvent(one.at, 'onhook');
    expect(refused.status).toBe(503);
    network.setAvailable(true);
    expect((await phoneEvent(one.at, 'onhook')).status).toBe(200);
  });

  it('a planned stop answers an Action URL whose ack is in flight (200, stored)', async () => {
    const node = network.node('s1');
    let publishing = 0;
    const publish = node.publishInput.bind(node);
    node.publishInput = (...args) => {
      publishing += 1;
      return publish(...args);
    };
    const one = await startClusterTestDaemon({
      dataDir: join(dir, 's1'),
      phones: [PHONE],
      logger: pino({ level: 'silent' }),
      join: () => node,
      sharedConfig: false,
    });
    const release = network.holdAcks();
    const pending = phoneEvent(one.at, 'incoming', '&cid=stop-1@pbx&n=1&remote=0301234567');
    await waitFor(() => publishing === 1);
    // SIGTERM during a rolling restart: the daemon stops while the stream's ack is awaited.
    const stopping = one.daemon.stop();
    await waitFor(() => one.daemon.listenerStatus().state === 'inactive');
    release();
    expect((await pending).status).toBe(200);
    await stopping;
    expect(network.changes.length).toBeGreaterThan(0);
  });

  it('GET /api/cluster shows members and owners, admin only', async () => {
    const one = await startDaemon('d1');
    await startDaemon('d2');
    const res = await fetch(`http://127.0.0.1:${String(one.at.admin.port)}/api/cluster`, {
      headers: { authorization: `Bearer ${one.daemon.config.current.admin.token}` },
    });
    expect(res.status).toBe(200);
    const body = v.parse(clusterStateSchema, await res.json());
    if (body.mode !== 'cluster') throw new Error('expected cluster mode');
    expect(body.nodeId).toBe('d1');
    expect(body.members.map((m) => m.nodeId)).toEqual(['d1', 'd2']);
    expect(body.owners).toHaveLength(64);
    expect(body.owned).toHaveLength(64);
    expect(userMayReach(USER_ROUTES, 'viewer', 'GET', '/api/cluster')).toBe('admin-only');
    const metrics = await fetch(`http://127.0.0.1:${String(one.at.admin.port)}/api/metrics`, {
      headers: { authorization: `Bearer ${one.daemon.config.current.admin.token}` },
    });
    const text = await metrics.text();
    expect(text).toMatch(/^snomlink_cluster_connected 1$/m);
    expect(text).toMatch(/^snomlink_cluster_partitions_owned 64$/m);
    expect(text).toMatch(/^snomlink_cluster_takeovers_total 0$/m);
    expect(userMayReach(USER_ROUTES, 'agent', 'GET', '/api/cluster')).toBe('admin-only');
  });

  it('runs a phone command sent to a non-owner once, at the owner', async () => {
    await startDaemon('d1'); // first started: owns every partition on the fake
    const two = await startDaemon('d2');
    const res = await fetch(
      `http://127.0.0.1:${String(two.at.admin.port)}/api/phones/${PHONE.id}/dial`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${two.daemon.config.current.admin.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ number: '201' }),
      },
    );
    // The phone at 127.0.0.1:9 does not answer: the owner's failure comes back as this answer.
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(network.commandsRun.get('d1')?.map((c) => [c.phoneId, c.name])).toEqual([
      [PHONE.id, 'dial'],
    ]);
    expect(network.commandsRun.get('d2')).toBeUndefined();
  });
});
