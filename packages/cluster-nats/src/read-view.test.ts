import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createLineState, type LineState } from '@snomlink/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeRecord, DeliveredChange } from './cluster-types.js';
import { createIngress, type Ingress } from './ingress.js';
import { createPartitionProcessor, type PartitionProcessor } from './partition-processor.js';
import { lineKeyFilter, loadSnapshots } from './line-snapshots.js';
import { createReadView, type ReadView } from './read-view.js';
import { createFaults, type Faults } from './testing/faults.js';
import {
  callInputs,
  foldEvents,
  interleave,
  phonesOfPartition,
  publishAll,
  readStream,
} from './testing/log-fixtures.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

const missing = natsMissing();
const P = 9;
const WAIT = { timeout: 30_000, interval: 20 };

describe.skipIf(missing)('read view', () => {
  let env: LogTestEnv;
  let ingress: Ingress;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await env.dispose();
  });

  async function setup(): Promise<void> {
    env = await startLogTestEnv();
    ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
  }

  async function processor(faults?: Faults): Promise<PartitionProcessor> {
    const js = jetstream(await env.connectAnother());
    const lines = await new Kvm(js).open(env.names.buckets.lines);
    const p = createPartitionProcessor({
      js: faults ? faults.wrap(js) : js,
      lines: faults ? faults.wrap(lines) : lines,
      names: env.names,
      partition: P,
      ingress,
      tickMs: 0,
      checkpointEvery: 10_000,
    });
    cleanups.push(async () => {
      const s = p.stop();
      faults?.fail();
      await s;
    });
    await p.start();
    return p;
  }

  /** A read view on its own connection (another daemon), recording what it delivers. */
  async function view(): Promise<{ view: ReadView; delivered: DeliveredChange[] }> {
    const js = jetstream(await env.connectAnother());
    const lines = await new Kvm(js).open(env.names.buckets.lines);
    const delivered: DeliveredChange[] = [];
    const v = createReadView({
      js,
      lines,
      names: env.names,
      onChange: (c) => delivered.push(c),
    });
    cleanups.push(() => v.stop());
    await v.start();
    return { view: v, delivered };
  }

  /** The snapshots as stored now (the owner is idle or dead when the tests call this). */
  async function storedStates(): Promise<Map<string, LineState>> {
    const stored = await loadSnapshots(env.lines, lineKeyFilter());
    return new Map([...stored].map(([id, s]) => [id, s.value.state]));
  }

  function script(): ReturnType<typeof callInputs> {
    const phones = phonesOfPartition(P, 3);
    return interleave(
      phones.map((id, i) => [
        ...callInputs(id, `a${String(i)}`, 1_700_000_000_000 + i),
        ...callInputs(id, `b${String(i)}`, 1_700_000_100_000 + i),
      ]),
    );
  }

  async function expectCurrent(v: ReadView): Promise<void> {
    const expected = await foldEvents(env.nc, env.names, P);
    await vi.waitFor(() => {
      for (const [phoneId, snap] of expected.snapshots) {
        expect(v.lines().get(phoneId)).toEqual(snap.state);
      }
    }, WAIT);
  }

  /** Per phone: the delivered records are the tail of the log's records, after the initial state. */
  async function expectNoGapNoDuplicate(
    initial: ReadonlyMap<string, LineState>,
    delivered: readonly DeliveredChange[],
  ): Promise<void> {
    const expected = await foldEvents(env.nc, env.names, P);
    const seqs = delivered.map((d) => d.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const phoneId of phonesOfPartition(P, 3)) {
      const all = expected.records.filter((r) => r.phoneId === phoneId);
      const got = delivered.map((d) => d.record).filter((r) => r.phoneId === phoneId);
      const tail = all.slice(all.length - got.length);
      expect(got).toEqual(tail);
      const before = all[all.length - got.length - 1];
      expect(initial.get(phoneId) ?? createLineState(phoneId)).toEqual(
        before?.state ?? createLineState(phoneId),
      );
    }
  }

  it('started first, delivers every record once, in CHANGES order', async () => {
    await setup();
    const { view: v, delivered } = await view();
    await processor();
    await publishAll(ingress, script());
    await expectCurrent(v);
    const expected = await foldEvents(env.nc, env.names, P);
    expect(delivered.map((d) => d.record)).toEqual(expected.records);
    const last = (await readStream(env.nc, env.names.changesStream)).at(-1)!.seq;
    await vi.waitFor(() => {
      expect(v.lastSeq()).toBe(last);
    }, WAIT);
    expect(v.lag()).toBe(0);
  });

  it('started mid-way: snapshots plus the delivered tail give every line, no gap, no duplicate', async () => {
    await setup();
    const inputs = script();
    const half = Math.floor(inputs.length / 2);
    const p = await processor();
    const seqs = await publishAll(ingress, inputs.slice(0, half));
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    const initial = await storedStates();
    const { view: v, delivered } = await view();
    const deliveredAtStart = delivered.length;
    await publishAll(ingress, inputs.slice(half));
    await expectCurrent(v);
    await expectNoGapNoDuplicate(initial, delivered);
    expect(initial.size).toBe(3);
    expect(delivered.length - deliveredAtStart).toBeGreaterThan(0);
  });

  it('delivers a record whose owner died before storing the snapshot, and not again on replay', async () => {
    await setup();
    const faults = createFaults();
    // The owner stores the 5th record, then dies before its snapshot write.
    faults.crashAfter((m, args) => m === 'publish' && String(args[0]).includes('.ch.'), 4);
    const seqs = await publishAll(ingress, script());
    await processor(faults);
    await faults.untilHeld();
    const initial = await storedStates();
    const { view: v, delivered } = await view();
    const inStream = (await readStream(env.nc, env.names.changesStream)).length;
    expect(inStream).toBe(5);
    // Snapshots cover 4 records; the 5th comes from the look-back.
    expect(delivered.map((d) => d.seq)).toContain(5);
    const successor = await processor();
    await vi.waitFor(() => {
      expect(successor.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    await expectCurrent(v);
    await expectNoGapNoDuplicate(initial, delivered);
  });

  it('keeps following after the nats-server restarts', async () => {
    await setup();
    const { view: v, delivered } = await view();
    await processor();
    const inputs = script();
    await publishAll(ingress, inputs.slice(0, 6));
    await vi.waitFor(() => {
      expect(delivered).toHaveLength(6);
    }, WAIT);
    const node = env.server.nodes[0]!;
    await node.kill();
    await node.start();
    await vi.waitFor(
      async () => {
        await publishAll(ingress, inputs.slice(6));
      },
      { timeout: 30_000, interval: 200 },
    );
    await expectCurrent(v);
    await expectNoGapNoDuplicate(new Map(), delivered);
  }, 120_000);

  it('skips a record republished after the duplicate window and a malformed one', async () => {
    await setup();
    const { view: v, delivered } = await view();
    await processor();
    const seqs = await publishAll(ingress, script().slice(0, 6));
    await vi.waitFor(() => {
      expect(delivered.length).toBe(6);
    }, WAIT);
    const jsm = await jetstreamManager(env.nc);
    const first = await jsm.streams.getMessage(env.names.changesStream, { seq: 1 });
    const record = first!.json<ChangeRecord>();
    // Stored again without a Msg-Id (as after the window), then garbage.
    await env.js.publish(first!.subject, first!.data);
    const junk = await env.js.publish(first!.subject, 'not json');
    await vi.waitFor(() => {
      expect(v.lastSeq()).toBe(junk.seq);
    }, WAIT);
    expect(delivered).toHaveLength(6);
    expect(delivered.filter((d) => d.record.eventSeq === record.eventSeq)).toHaveLength(1);
    expect(seqs).toHaveLength(6);
  });
});
