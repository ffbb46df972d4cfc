/**
 * Two daemons in cluster mode, in process, on one real nats-server: a call sent to daemon 1's
 * phone port shows live on daemon 2 and is journalled there (through the stream, the owner's
 * reducer, CHANGES and JOURNAL); the shared config in KV carries phones, webhooks and dial rules
 * from one daemon to the other, skips a bad entry, and provisioning sent to the non-owner runs
 * once at the owner. The black-box scenarios with three built daemons are in tests/cluster.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionOf } from '@snomlink/core';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { CallList, PhoneList, ProvisionResult } from '../api/schemas.js';
import type { ClusterState } from '../api/cluster-schemas.js';
import type { Daemon } from '../daemon.js';
import { connectClusterMode } from './connect-cluster-mode.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { useNatsTestBed } from '../testing/nats-test-bed.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { phoneConfig } from '../config/config-schema.js';

const bed = useNatsTestBed('daemon cluster e2e');

const SECRET = 'secret-0123456789';
const PHONE = phoneConfig({ id: 'desk-201', host: '127.0.0.1:9', secret: SECRET });
let prefixes = 0;
const running: Daemon[] = [];
const phones: SimulatedPhone[] = [];
const warnings: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await Promise.all(phones.splice(0).map((p) => p.close()));
  warnings.length = 0;
});

/** The journalFromSeq each started daemon asked the cluster for, by prefix and node id. */
const journalFrom = new Map<string, number[]>();

type Started = ClusterTestDaemon;

/** A daemon as cli.ts wires it in cluster mode, with its own config file and the cluster's prefix. */
async function startDaemon(nodeId: string, prefix: string): Promise<Started> {
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const started = await startClusterTestDaemon({
    dataDir: join(bed.dir, prefix, nodeId),
    phones: [PHONE],
    logger,
    join: async (dialRules) => {
      const cluster = await connectClusterMode(
        { servers: bed.nats.servers, nodeId, prefix, leaseTtlMs: 3000 },
        { logger, reducerOptions: () => ({ dialRules: dialRules() }) },
      );
      const start = cluster.start.bind(cluster);
      cluster.start = (handlers, options) => {
        const key = `${prefix}/${nodeId}`;
        journalFrom.set(key, [...(journalFrom.get(key) ?? []), options.journalFromSeq]);
        return start(handlers, options);
      };
      return cluster;
    },
    sharedConfig: true,
  });
  running.push(started.daemon);
  return started;
}

function nextPrefix(): string {
  prefixes += 1;
  return `e2e${String(prefixes)}`;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function phoneIds(d: Started): Promise<string[]> {
  return ((await (await d.api('/api/phones')).json()) as PhoneList).phones.map((p) => p.id);
}

async function clusterState(d: Started): Promise<Extract<ClusterState, { mode: 'cluster' }>> {
  const state = (await (await d.api('/api/cluster')).json()) as ClusterState;
  if (state.mode !== 'cluster') throw new Error('not in cluster mode');
  return state;
}

describe.skipIf(bed.missing)('cluster mode on one nats-server', () => {
  it('a call sent to daemon 1 appears in daemon 2’s /api/calls and journal', async () => {
    const prefix = nextPrefix();
    const one = await startDaemon('d1', prefix);
    const two = await startDaemon('d2', prefix);
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
    const prefix = nextPrefix();
    const one = await startDaemon('r1', prefix);
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
    const again = await startDaemon('r1', prefix);
    const asked = journalFrom.get(`${prefix}/r1`) ?? [];
    // The first start rebuilt from 1 (a new data dir); the restart resumes after what it stored.
    expect(asked[0]).toBe(1);
    expect(asked[1]).toBeGreaterThan(1);
    expect(again.daemon.journal.query().entries).toHaveLength(before + 1);
  }, 120_000);

  it('a phone added on daemon 1 is listed by daemon 2, which accepts its Action URLs', async () => {
    const prefix = nextPrefix();
    const one = await startDaemon('d1', prefix);
    const two = await startDaemon('d2', prefix);
    const added = await one.api('/api/phones', {
      method: 'POST',
      body: JSON.stringify({ id: 'kitchen', host: '127.0.0.1:9' }),
    });
    expect(added.status).toBe(201);
    await waitFor(async () => (await phoneIds(two)).includes('kitchen'));
    const secret = one.daemon.config.current.phones.find((p) => p.id === 'kitchen')?.secret;
    if (secret === undefined) throw new Error('the added phone has no secret');
    const offhook = (k: string): Promise<Response> =>
      fetch(`http://127.0.0.1:${String(two.at.listener.port)}/snom/kitchen/offhook?k=${k}`);
    expect((await offhook(secret)).status).toBe(200);
    expect((await offhook('wrong-secret-0123')).status).not.toBe(200);
  }, 120_000);

  it('a webhook and dial rules set on daemon 2 apply on daemon 1', async () => {
    const prefix = nextPrefix();
    const one = await startDaemon('d1', prefix);
    const two = await startDaemon('d2', prefix);
    const webhooks = [{ id: 'crm', event: 'call-connected', url: 'http://127.0.0.1:9/hook' }];
    const put = await two.api('/api/webhooks', {
      method: 'PUT',
      body: JSON.stringify({ webhooks }),
    });
    expect(put.status).toBe(200);
    const rules = { ...two.daemon.config.current.dialing, areaCode: '89', outsideLine: '0' };
    const dial = await two.api('/api/dialing', { method: 'PUT', body: JSON.stringify(rules) });
    expect(dial.status).toBe(200);
    await waitFor(() => one.daemon.config.current.dialing.areaCode === '89');
    expect(one.daemon.config.current.webhooks.map((w) => w.id)).toEqual(['crm']);
    expect(await (await one.api('/api/dialing')).json()).toMatchObject({ outsideLine: '0' });
  }, 120_000);

  it('skips a bad KV entry with a warning, on a running daemon and on one that joins', async () => {
    const prefix = nextPrefix();
    const one = await startDaemon('d1', prefix);
    // Another member (as a tool with access to the bucket could) writes one phone the schema
    // refuses and one it accepts.
    const tool = await connectClusterMode(
      { servers: bed.nats.servers, nodeId: 'tool', prefix },
      { logger: pino({ level: 'silent' }) },
    );
    try {
      await tool.updateConfig((doc) => ({
        ...doc,
        phones: {
          ...doc.phones,
          broken: { id: 'broken', host: 'no host here' },
          kitchen: { id: 'kitchen', host: '127.0.0.1:9', secret: 'secret-kitchen-01' },
        },
      }));
    } finally {
      await tool.close();
    }
    await waitFor(async () => (await phoneIds(one)).includes('kitchen'));
    expect(await phoneIds(one)).toEqual([PHONE.id, 'kitchen']);
    expect(warnings.join('')).toContain('phone.broken');
    const two = await startDaemon('d2', prefix);
    expect(await phoneIds(two)).toEqual([PHONE.id, 'kitchen']);
  }, 120_000);

  it('provisioning sent to the daemon that does not own the phone runs once, at the owner', async () => {
    const prefix = nextPrefix();
    const one = await startDaemon('d1', prefix);
    const two = await startDaemon('d2', prefix);
    const phone = createSimulatedPhone({ model: 'snom360' });
    phones.push(phone);
    await phone.listen({ host: '127.0.0.1', port: 0 });
    const added = await one.api('/api/phones', {
      method: 'POST',
      body: JSON.stringify({ id: 'reception', host: `127.0.0.1:${String(phone.address?.port)}` }),
    });
    expect(added.status).toBe(201);
    // Both daemons own half the partitions (the balance is over: before, the phone's partition
    // could still move after the owner was read, and the command went to the other one) and
    // know the phone.
    await waitFor(async () => {
      const state = await clusterState(one);
      const d1 = state.owners.filter((o) => o === 'd1').length;
      return (
        state.owners.every((o) => o !== null) &&
        d1 === state.partitions / 2 &&
        (await phoneIds(two)).includes('reception')
      );
    });
    const state = await clusterState(one);
    const ownerId = state.owners[partitionOf('reception', state.partitions)];
    const [owner, other] = ownerId === 'd1' ? [one, two] : [two, one];
    await waitFor(() => owner.daemon.phones.get('reception') !== undefined);
    const served = async (d: Started): Promise<number> =>
      (await clusterState(d)).counters.commandsServed;
    const servedBefore = [await served(owner), await served(other)];
    const saves = (): number =>
      phone.requests.filter((r) => r.query.includes('settings=save')).length;

    const res = await other.api('/api/phones/reception/provision', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ProvisionResult).ok).toBe(true);
    const savesByRouted = saves();
    expect(savesByRouted).toBeGreaterThan(0);
    expect([await served(owner), await served(other)]).toEqual([
      servedBefore[0]! + 1,
      servedBefore[1],
    ]);
    // The same provisioning sent to the owner itself: as many writes, so the routed one ran once.
    const direct = await owner.api('/api/phones/reception/provision', { method: 'POST' });
    expect(direct.status).toBe(200);
    expect(saves() - savesByRouted).toBe(savesByRouted);
    expect(phone.settings.get('action_offhook_url')).toContain('k=');
  }, 120_000);
});
