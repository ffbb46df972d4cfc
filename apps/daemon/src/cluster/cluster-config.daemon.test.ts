/**
 * The shared config with two daemons in process on the in-memory fake cluster (no NATS needed):
 * the first daemon's file seeds the cluster, a change through either daemon's API reaches the
 * other live, per-process settings stay local, a bad entry is skipped, and provisioning sent to
 * the non-owner runs at the owner. The same on a real nats-server: cluster-nats.e2e.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhoneList } from '../api/schemas.js';
import { phoneConfig } from '../config/config-schema.js';
import type { Daemon } from '../daemon.js';
import { createFakeClusterNetwork } from '../testing/fake-cluster.js';
import type { FakeClusterNetwork } from '../testing/fake-cluster.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';

const DESK = phoneConfig({ id: 'desk-201', host: '127.0.0.1:9', secret: 'secret-desk-0123' });
const LOBBY = phoneConfig({ id: 'lobby', host: '127.0.0.1:9', secret: 'secret-lobby-0123' });

let dir: string;
let network: FakeClusterNetwork;
const running: Daemon[] = [];
const warnings: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-cluster-config-'));
  network = createFakeClusterNetwork();
  warnings.length = 0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await rm(dir, { recursive: true, force: true });
});

type Started = ClusterTestDaemon;

async function startDaemon(nodeId: string, phones = [DESK]): Promise<Started> {
  const started = await startClusterTestDaemon({
    dataDir: join(dir, nodeId),
    phones,
    logger: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }),
    join: () => network.node(nodeId),
    sharedConfig: true,
  });
  running.push(started.daemon);
  return started;
}

async function phoneIds(d: Started): Promise<string[]> {
  const res = await d.api('/api/phones');
  expect(res.status).toBe(200);
  return ((await res.json()) as PhoneList).phones.map((p) => p.id);
}

function actionUrl(d: Started, phoneId: string, secret: string): Promise<Response> {
  return fetch(
    `http://127.0.0.1:${String(d.at.listener.port)}/snom/${phoneId}/offhook?k=${secret}`,
  );
}

describe('shared config on the fake cluster', () => {
  it('the first daemon seeds: the second uses its phones and token, keeps its own ports', async () => {
    const one = await startDaemon('d1', [DESK]);
    const two = await startDaemon('d2', [LOBBY]);
    expect(await phoneIds(two)).toEqual(['desk-201']);
    expect(two.daemon.config.current.admin.token).toBe(one.daemon.config.current.admin.token);
    expect(two.at.listener.port).not.toBe(one.at.listener.port);
    expect((await actionUrl(two, DESK.id, DESK.secret)).status).toBe(200);
    expect((await actionUrl(two, LOBBY.id, LOBBY.secret)).status).not.toBe(200);
  });

  it('a phone added on one daemon is listed by the other, which accepts its Action URLs', async () => {
    const one = await startDaemon('d1');
    const two = await startDaemon('d2');
    const added = await one.api('/api/phones', {
      method: 'POST',
      body: JSON.stringify({ id: 'kitchen', host: '127.0.0.1:9' }),
    });
    expect(added.status).toBe(201);
    expect(await phoneIds(two)).toEqual(['desk-201', 'kitchen']);
    const secret = one.daemon.config.current.phones.find((p) => p.id === 'kitchen')?.secret;
    if (secret === undefined) throw new Error('no secret');
    expect((await actionUrl(two, 'kitchen', secret)).status).toBe(200);
    expect((await actionUrl(two, 'kitchen', 'wrong-secret-0123')).status).not.toBe(200);
    // Removed on the second daemon: gone on the first.
    expect((await two.api('/api/phones/kitchen', { method: 'DELETE' })).status).toBe(204);
    expect(await phoneIds(one)).toEqual(['desk-201']);
  });

  it('webhooks and dial rules changed on one daemon apply on the other', async () => {
    const one = await startDaemon('d1');
    const two = await startDaemon('d2');
    const hooks = await two.api('/api/webhooks', {
      method: 'PUT',
      body: JSON.stringify({
        webhooks: [{ id: 'crm', event: 'call-connected', url: 'http://127.0.0.1:9/hook' }],
      }),
    });
    expect(hooks.status).toBe(200);
    expect(one.daemon.config.current.webhooks.map((w) => w.id)).toEqual(['crm']);
    const rules = { ...one.daemon.config.current.dialing, areaCode: '89', outsideLine: '0' };
    expect(
      (await two.api('/api/dialing', { method: 'PUT', body: JSON.stringify(rules) })).status,
    ).toBe(200);
    const dialing = await one.api('/api/dialing');
    expect(await dialing.json()).toMatchObject({ areaCode: '89', outsideLine: '0' });
  });

  it('skips a bad entry with a warning and keeps it through later changes', async () => {
    const one = await startDaemon('d1');
    network.writeConfig((doc) => ({
      ...doc,
      phones: { ...doc.phones, broken: { id: 'broken', host: 'no host here' } },
      sections: { ...doc.sections, journal: { retentionDays: -1 } },
    }));
    expect(await phoneIds(one)).toEqual(['desk-201']);
    expect(one.daemon.config.current.journal.retentionDays).toBe(365);
    expect(warnings.join('')).toContain('phone.broken');
    expect(warnings.join('')).toContain('section.journal');
    const added = await one.api('/api/phones', {
      method: 'POST',
      body: JSON.stringify({ id: 'kitchen', host: '127.0.0.1:9' }),
    });
    expect(added.status).toBe(201);
    expect(Object.keys(network.config().phones).sort()).toEqual(['broken', 'desk-201', 'kitchen']);
    expect(network.config().sections['journal']).toEqual({ retentionDays: -1 });
    // A second daemon joining the cluster with the bad entry starts too.
    const two = await startDaemon('d2');
    expect(await phoneIds(two)).toEqual(['desk-201', 'kitchen']);
  });

  it('provisioning and the phone test sent to the non-owner run once, at the owner', async () => {
    await startDaemon('d1'); // first started: owns every partition on the fake
    const two = await startDaemon('d2');
    const provisioned = await two.api(`/api/phones/${DESK.id}/provision`, { method: 'POST' });
    // The phone at 127.0.0.1:9 does not answer: the owner's answer comes back either way.
    expect(provisioned.status).not.toBe(404);
    await two.api(`/api/phones/${DESK.id}/test`, { method: 'POST' });
    await two.daemon.provision(DESK.id, 'remove').catch(() => undefined);
    expect(network.commandsRun.get('d1')?.map((c) => [c.phoneId, c.name, c.args])).toEqual([
      [DESK.id, 'provision', { action: 'write' }],
      [DESK.id, 'test', null],
      [DESK.id, 'provision', { action: 'remove' }],
    ]);
    expect(network.commandsRun.get('d2')).toBeUndefined();
  });
});
