/**
 * Phone health checks in cluster mode, two in-process daemons on one real nats-server: only the
 * owner of a phone's partition checks it, the other daemon shows the owner's result, and a
 * hand-over moves the checking. To see who checks, each daemon keeps its own config file in
 * which the same phone id points at its own simulated phone (another model each): a request at
 * a simulated phone came from that daemon, and the model a daemon shows says whose check it is.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionOf } from '@snomlink/core';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { PhoneHealth, PhoneList } from '../api/schemas.js';
import type { ClusterState } from '../api/cluster-schemas.js';
import { phoneConfig } from '../config/config-schema.js';
import type { Daemon } from '../daemon.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { useNatsTestBed } from '../testing/nats-test-bed.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { connectClusterMode } from './connect-cluster-mode.js';

const bed = useNatsTestBed('daemon cluster health e2e');

const PHONE_ID = 'desk-301';
const running: Daemon[] = [];
const simulated: SimulatedPhone[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await Promise.all(simulated.splice(0).map((p) => p.close()));
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startPhone(model: string): Promise<SimulatedPhone> {
  const phone = createSimulatedPhone({ model });
  simulated.push(phone);
  await phone.listen({ host: '127.0.0.1', port: 0 });
  return phone;
}

/** Health checks (`info.htm` reads) a simulated phone answered so far. */
function checks(phone: SimulatedPhone): number {
  return phone.requests.filter((r) => r.path.includes('info')).length;
}

/** Resolves once the phone answered `n` more health checks (event-driven, no polling). */
function moreChecks(phone: SimulatedPhone, n: number): Promise<void> {
  const target = checks(phone) + n;
  return new Promise((resolve) => {
    const off = phone.on('request', () => {
      if (checks(phone) >= target) {
        off();
        resolve();
      }
    });
  });
}

async function health(d: ClusterTestDaemon): Promise<PhoneHealth | undefined> {
  const list = (await (await d.api('/api/phones')).json()) as PhoneList;
  return list.phones.find((p) => p.id === PHONE_ID)?.health;
}

async function clusterState(
  d: ClusterTestDaemon,
): Promise<Extract<ClusterState, { mode: 'cluster' }>> {
  const state = (await (await d.api('/api/cluster')).json()) as ClusterState;
  if (state.mode !== 'cluster') throw new Error('not in cluster mode');
  return state;
}

describe.skipIf(bed.missing)('cluster mode: phone health checks at the owner only', () => {
  /** A daemon whose config file points the phone at `phone`; checks every 150 ms. */
  async function startDaemon(nodeId: string, phone: SimulatedPhone): Promise<ClusterTestDaemon> {
    const logger = pino({ level: 'silent' });
    const started = await startClusterTestDaemon({
      dataDir: join(bed.dir, nodeId),
      phones: [
        phoneConfig({
          id: PHONE_ID,
          host: `127.0.0.1:${String(phone.address?.port)}`,
          secret: 'secret-0123456789',
        }),
      ],
      logger,
      join: (dialRules) =>
        connectClusterMode(
          { servers: bed.nats.servers, nodeId, prefix: 'health', leaseTtlMs: 3000 },
          { logger, reducerOptions: () => ({ dialRules: dialRules() }) },
        ),
      sharedConfig: false,
      healthIntervalMs: 150,
    });
    running.push(started.daemon);
    return started;
  }

  it('only the owner checks a phone, the other daemon shows its result, a hand-over moves it', async () => {
    const phoneOne = await startPhone('snom360');
    const phoneTwo = await startPhone('D785');
    const one = await startDaemon('h1', phoneOne);
    const two = await startDaemon('h2', phoneTwo);
    // Both daemons own half of the partitions.
    await waitFor(async () => {
      const state = await clusterState(one);
      const mine = state.owners.filter((o) => o === 'h1').length;
      return mine === state.partitions / 2 && state.owners.every((o) => o !== null);
    });
    const state = await clusterState(one);
    const ownerId = state.owners[partitionOf(PHONE_ID, state.partitions)];
    const [owner, other] = ownerId === 'h1' ? [one, two] : [two, one];
    const [ownerPhone, otherPhone] = ownerId === 'h1' ? [phoneOne, phoneTwo] : [phoneTwo, phoneOne];

    // A check the other daemon began before the partitions settled may still be answered.
    await moreChecks(ownerPhone, 1);
    const otherBefore = checks(otherPhone);
    await moreChecks(ownerPhone, 4);
    expect(checks(otherPhone)).toBe(otherBefore);

    // Both daemons show the owner's result: its phone's model, not their own phone's.
    await waitFor(async () => (await health(other))?.model === ownerPhone.model);
    expect(await health(other)).toMatchObject({ status: 'reachable', model: ownerPhone.model });
    expect(await health(owner)).toMatchObject({ status: 'reachable', model: ownerPhone.model });

    // The owner's phone stops answering: the other daemon shows it unreachable too.
    await ownerPhone.close();
    await waitFor(async () => (await health(other))?.status === 'unreachable');
    expect(checks(otherPhone)).toBe(otherBefore);

    // Planned hand-over: the other daemon takes the partition over and checks from then on.
    await owner.daemon.stop();
    running.splice(running.indexOf(owner.daemon), 1);
    await moreChecks(otherPhone, 2);
    await waitFor(async () => (await health(other))?.model === otherPhone.model);
    expect(await health(other)).toMatchObject({ status: 'reachable', model: otherPhone.model });
  }, 90_000);
});
