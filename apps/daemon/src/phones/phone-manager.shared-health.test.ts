import { describe, expect, it } from 'vitest';
import { createEventHub } from '@snomlink/core';
import type { SnomlinkEvent } from '@snomlink/core';
import type { PhoneHealth } from '../api/schemas.js';
import { phoneConfig } from '../config/config-schema.js';
import { createPhoneManager, UNKNOWN_HEALTH } from './phone-manager.js';
import type { PhoneClient, PhoneManager } from './phone-manager.js';
import { fakePhoneClient, SNOM360_INFO } from '../testing/fake-phone-client.js';

// Cluster mode's health checks (docs/cluster.md): a daemon checks only the phones it owns,
// publishes a result only when it differs from the published one, and shows what is published.

const phone = (id: string): ReturnType<typeof phoneConfig> =>
  phoneConfig({ id, host: '127.0.0.2', model: 'snom360', secret: 'secret-secret' });

/** Counts each phone's checks and resolves waiters once a phone reached a count. */
function checkCounter(): {
  count(id: string): number;
  reached(id: string, n: number): Promise<void>;
  client(id: string): PhoneClient;
} {
  const counts = new Map<string, number>();
  const waiters: { id: string; n: number; resolve: () => void }[] = [];
  return {
    count: (id) => counts.get(id) ?? 0,
    reached(id, n) {
      if ((counts.get(id) ?? 0) >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ id, n, resolve }));
    },
    client: (id) =>
      fakePhoneClient(() => {
        const n = (counts.get(id) ?? 0) + 1;
        counts.set(id, n);
        for (const w of waiters.filter((x) => x.id === id && x.n <= n)) w.resolve();
        return Promise.resolve(SNOM360_INFO);
      }),
  };
}

interface Published {
  readonly id: string;
  readonly health: PhoneHealth;
  readonly statusChanged: boolean;
}

function sharedManager(owned: Set<string>, stored: () => boolean = () => true) {
  const counter = checkCounter();
  const published: Published[] = [];
  const manager: PhoneManager = createPhoneManager({
    hub: createEventHub<SnomlinkEvent>(),
    healthIntervalMs: 10,
    createClient: (p) => counter.client(p.id),
    sharedHealth: {
      owns: (id) => owned.has(id),
      publish: (id, health, statusChanged) => {
        published.push({ id, health, statusChanged });
        return Promise.resolve(stored());
      },
    },
  });
  return { manager, counter, published };
}

describe('phone manager health checks in cluster mode', () => {
  it('checks only owned phones, publishes changes only, and shows the published health', async () => {
    const { manager, counter, published } = sharedManager(new Set(['a']));
    await manager.sync([phone('a'), phone('b')]);
    manager.start();
    await counter.reached('a', 4);
    expect(counter.count('b')).toBe(0);
    // One result, four checks: published once, as a status change.
    expect(published.map((p) => [p.id, p.health.status, p.statusChanged])).toEqual([
      ['a', 'reachable', true],
    ]);
    // Not shown before it comes back published (as on every other daemon).
    expect(manager.get('a')?.health).toEqual(UNKNOWN_HEALTH);
    const health = published[0]?.health;
    if (health === undefined) throw new Error('nothing published');
    manager.applyHealth('a', health);
    expect(manager.get('a')?.health).toEqual(health);
    // Another daemon's published health of a phone this one does not check is shown too.
    manager.applyHealth('b', { ...health, model: 'D785' });
    expect(manager.get('b')?.health.model).toBe('D785');
    await counter.reached('a', counter.count('a') + 3);
    expect(published).toHaveLength(1);
    await manager.stop();
  });

  it('stops checking a lost phone and checks a gained one soon', async () => {
    const owned = new Set(['a']);
    const { manager, counter } = sharedManager(owned);
    await manager.sync([phone('a'), phone('b')]);
    manager.start();
    await counter.reached('a', 2);
    owned.delete('a');
    owned.add('b');
    manager.ownershipChanged();
    const aBefore = counter.count('a');
    await counter.reached('b', 3);
    expect(counter.count('a')).toBe(aBefore);
    await manager.stop();
  });

  it('publishes a result again when the last publish was not stored', async () => {
    let ok = false;
    const { manager, counter, published } = sharedManager(new Set(['a']), () => ok);
    await manager.sync([phone('a')]);
    manager.start();
    await counter.reached('a', 3);
    // Every check republished the unchanged result: none was stored.
    expect(published.length).toBeGreaterThanOrEqual(2);
    ok = true;
    const stored = published.length;
    await counter.reached('a', counter.count('a') + 3);
    expect(published.length - stored).toBeLessThanOrEqual(1);
    await manager.stop();
  });
});
