import { describe, expect, it } from 'vitest';
import { createEventHub } from '@snomlink/core';
import { SnomAuthError } from '@snomlink/snom-client';
import type { SnomlinkEvent } from '@snomlink/core';
import { phoneConfig } from '../config/config-schema.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { createPhoneManager } from './phone-manager.js';
import type { PhoneClient } from './phone-manager.js';
import { fakePhoneClient, SNOM360_INFO } from '../testing/fake-phone-client.js';

// The periodic health checks of many phones: made lazily, paced over the period (no waves).

const phone = (id: string): PhoneConfig =>
  phoneConfig({ id, name: id, host: '127.0.0.2', model: 'snom360', secret: 'secret-secret' });

function fakeClient(onInfo: () => void): PhoneClient {
  return fakePhoneClient(() => {
    onInfo();
    return Promise.resolve(SNOM360_INFO);
  });
}

describe('phone manager health checks', () => {
  it('makes a phone client only when something needs it', async () => {
    const made: string[] = [];
    const manager = createPhoneManager({
      hub: createEventHub<SnomlinkEvent>(),
      healthIntervalMs: 0,
      createClient: (p) => {
        made.push(p.id);
        return fakeClient(() => undefined);
      },
    });
    await manager.sync([phone('a'), phone('b'), phone('c')]);
    expect(made).toEqual([]);
    await manager.check('b');
    expect(made).toEqual(['b']);
    expect(manager.get('b')?.client).toBe(manager.get('b')?.client);
    expect(made).toEqual(['b']);
    await manager.stop();
  });

  it('counts the phones per health status as the list says', async () => {
    const answers: Record<string, () => Promise<typeof SNOM360_INFO>> = {
      up1: () => Promise.resolve(SNOM360_INFO),
      up2: () => Promise.resolve(SNOM360_INFO),
      down: () => Promise.reject(new Error('connect ECONNREFUSED')),
      locked: () => Promise.reject(new SnomAuthError('401', 'digest', { phoneHost: '127.0.0.2' })),
      unchecked: () => Promise.resolve(SNOM360_INFO),
    };
    const manager = createPhoneManager({
      hub: createEventHub<SnomlinkEvent>(),
      healthIntervalMs: 0,
      createClient: (p) => fakePhoneClient(answers[p.id] ?? (() => Promise.reject(new Error()))),
    });
    await manager.sync(Object.keys(answers).map(phone));
    for (const id of ['up1', 'up2', 'down', 'locked']) await manager.check(id).catch(() => null);
    const counts = manager.healthCounts();
    expect(counts).toEqual({ unknown: 1, reachable: 2, unreachable: 1, 'auth-failed': 1 });
    for (const [status, n] of Object.entries(counts)) {
      expect(manager.list().filter((r) => r.health.status === status)).toHaveLength(n);
    }
    await manager.stop();
  });

  // Retried: the checks are timed against the event loop, and a stall of the loop (another test
  // file runs beside this one in CI) releases the waiting checks together; all at once, the
  // failure it guards against, fails every try.
  it(
    'spreads a round over the period instead of checking every phone at once',
    { retry: 2 },
    async () => {
      const checkedAt: number[] = [];
      let resolveRound: () => void = () => undefined;
      const secondRoundStarted = new Promise<void>((resolve) => {
        resolveRound = resolve;
      });
      const count = 20;
      const intervalMs = 400;
      const manager = createPhoneManager({
        hub: createEventHub<SnomlinkEvent>(),
        healthIntervalMs: intervalMs,
        healthFirstRoundMs: 200,
        createClient: () =>
          fakeClient(() => {
            checkedAt.push(performance.now());
            if (checkedAt.length === count + 1) resolveRound();
          }),
      });
      await manager.sync(Array.from({ length: count }, (_, i) => phone(`p${String(i)}`)));
      const t0 = performance.now();
      manager.start();
      await secondRoundStarted;
      await manager.stop();
      // First round: one check every min(5 ms, 200 ms / 20) = 5 ms, so the 20th starts ≥ 95 ms
      // after the first (all at once would put them within a millisecond or two).
      const first = checkedAt.slice(0, count);
      expect(first.at(-1)! - first[0]!).toBeGreaterThanOrEqual(90);
      // The next round starts one period after the first began, not right after it ended.
      expect(checkedAt[count]! - t0).toBeGreaterThanOrEqual(intervalMs - 5);
    },
  );

  it('stop() ends a paced round at once', async () => {
    let checks = 0;
    const manager = createPhoneManager({
      hub: createEventHub<SnomlinkEvent>(),
      healthIntervalMs: 60_000,
      healthFirstRoundMs: 60_000,
      createClient: () =>
        fakeClient(() => {
          checks++;
        }),
    });
    await manager.sync(Array.from({ length: 10 }, (_, i) => phone(`p${String(i)}`)));
    manager.start();
    await manager.stop();
    const after = checks;
    await new Promise((resolve) => setImmediate(resolve));
    expect(checks).toBe(after);
    expect(after).toBeLessThanOrEqual(10);
  });
});
