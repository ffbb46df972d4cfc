import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { partitionOf } from '@snomlink/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeliveredChange, PhoneHealthRecord } from './cluster-types.js';
import { createHealthPublisher } from './phone-health.js';
import { createReadView, type ReadView } from './read-view.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

// The owner's health results through CHANGES (every read view shows them) and the lines bucket
// (a daemon that starts later, past CHANGES's look-back, begins with the last published one).

const missing = natsMissing();
const WAIT = { timeout: 30_000, interval: 20 };
const PHONE = 'desk-77';

const reachable: PhoneHealthRecord = {
  status: 'reachable',
  detail: null,
  checkedAt: 1_000,
  model: 'snom360',
  firmware: '8.7.5.35',
  mac: '000413000077',
};

describe.skipIf(missing)('phone health records', () => {
  let env: LogTestEnv;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await env.dispose();
  });

  async function view(lookbackMs?: number): Promise<{ view: ReadView; got: DeliveredChange[] }> {
    const js = jetstream(await env.connectAnother());
    const lines = await new Kvm(js).open(env.names.buckets.lines);
    const got: DeliveredChange[] = [];
    const v = createReadView({
      js,
      lines,
      names: env.names,
      onChange: (c) => got.push(c),
      ...(lookbackMs === undefined ? {} : { lookbackMs }),
    });
    cleanups.push(() => v.stop());
    await v.start();
    return { view: v, got };
  }

  it('reach every read view, and a view started later begins with the stored one', async () => {
    env = await startLogTestEnv();
    let owner = true;
    const publish = createHealthPublisher({
      js: env.js,
      lines: env.lines,
      names: env.names,
      partitionOf: (id) => partitionOf(id),
      owns: () => owner,
      lineOf: () => undefined,
    });
    const early = await view();
    expect(await publish(PHONE, reachable, true)).toBe(true);
    // Same status, new firmware: a health record without a line-status event.
    const updated = { ...reachable, firmware: '8.9.3.80', checkedAt: 2_000 };
    expect(await publish(PHONE, updated, false)).toBe(true);
    await vi.waitFor(() => {
      expect(early.got).toHaveLength(2);
    }, WAIT);
    expect(early.got[0]?.record.lineStatus).toMatchObject({ status: 'reachable', phoneId: PHONE });
    expect(early.got[1]?.record.lineStatus).toBeUndefined();
    expect(early.got[1]?.record.health).toEqual(updated);
    expect(early.view.health().get(PHONE)).toEqual(updated);
    // A health record never moves the line.
    expect(early.view.lines().has(PHONE)).toBe(false);

    // Not the owner (lost or fenced): nothing is written.
    owner = false;
    expect(await publish(PHONE, { ...updated, status: 'unreachable' }, true)).toBe(false);

    // No look-back at all: the view reads no record, only the stored health.
    const late = await view(0);
    expect(late.got).toEqual([]);
    expect(late.view.health().get(PHONE)).toEqual(updated);
  });
});
