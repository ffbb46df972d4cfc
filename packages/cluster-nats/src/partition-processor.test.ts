import { jetstream } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { FinishedCall, LineReducerOptions } from '@snomlink/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeRecord } from './cluster-types.js';
import { createIngress, type Ingress } from './ingress.js';
import { journalKey } from './journal-key.js';
import { checkpointKey, lineKey } from './line-snapshots.js';
import {
  createPartitionProcessor,
  type PartitionProcessor,
  type PartitionProcessorOptions,
} from './partition-processor.js';
import { createFaults, type Faults } from './testing/faults.js';
import {
  callInputs,
  foldEvents,
  interleave,
  json,
  phonesOfPartition,
  publishAll,
  readStream,
} from './testing/log-fixtures.js';
import { createLogStreams } from './testing/log-streams.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';
import { clusterNames } from './names.js';

const missing = natsMissing();
const P = 5;
const WAIT = { timeout: 30_000, interval: 20 };

describe.skipIf(missing)('partition processor', () => {
  let env: LogTestEnv;
  let ingress: Ingress;
  const cleanups: (() => Promise<void>)[] = [];

  async function setup(): Promise<void> {
    env = await startLogTestEnv();
    ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
  }

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await env.dispose();
  });

  /** A processor on its own connection (a daemon of its own), optionally behind faults. */
  async function processor(
    extra: Partial<PartitionProcessorOptions> = {},
    faults?: Faults,
  ): Promise<PartitionProcessor> {
    const nc = await env.connectAnother();
    const js = jetstream(nc);
    const lines: KV = await new Kvm(js).open(env.names.buckets.lines);
    const p = createPartitionProcessor({
      js: faults === undefined ? js : faults.wrap(js),
      lines: faults === undefined ? lines : faults.wrap(lines),
      names: env.names,
      partition: P,
      ingress,
      tickMs: 0,
      ...extra,
    });
    cleanups.push(async () => {
      const stopping = p.stop();
      faults?.fail();
      await stopping;
    });
    await p.start();
    return p;
  }

  /** Three phones of partition P, two calls each, interleaved; one phone of another partition. */
  function script(at = 1_700_000_000_000) {
    const phones = phonesOfPartition(P, 3);
    const lists = phones.map((id, i) => [
      ...callInputs(id, `c${String(i)}a`, at + i * 10),
      ...callInputs(id, `c${String(i)}b`, at + 60_000 + i * 10),
    ]);
    const other = phonesOfPartition(P + 1, 1, 'other')[0]!;
    return interleave([...lists, callInputs(other, 'x', at)]);
  }

  async function outputs(): Promise<{
    records: ChangeRecord[];
    journal: FinishedCall[];
    keys: string[];
  }> {
    const records = (await readStream(env.nc, env.names.changesStream))
      .map((m) => json(m) as ChangeRecord)
      .filter((r) => r.phoneId !== 'probe');
    const jr = await readStream(env.nc, env.names.journalStream);
    return {
      records,
      journal: jr.map((m) => json(m) as FinishedCall),
      keys: jr.map((m) => m.subject.split('.').at(-1)!),
    };
  }

  /** The stored outputs are exactly the pure fold of the log: nothing lost, nothing twice. */
  async function expectOutputsMatchLog(
    options: LineReducerOptions = {},
    changeDuplicates = 0,
  ): Promise<void> {
    const expected = await foldEvents(env.nc, env.names, P, options);
    const got = await outputs();
    // Past the duplicate window a republished record is stored again (the read view skips it by
    // eventSeq): identical content, so compare the first of each.
    const seen = new Set<string>();
    const firsts = got.records.filter((r) => {
      const id = `${r.phoneId}:${String(r.eventSeq)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    expect(got.records.length - firsts.length).toBe(changeDuplicates);
    expect(firsts).toEqual(expected.records);
    expect(got.journal).toEqual(expected.finished);
    expect(got.keys).toEqual(expected.finished.map((c) => journalKey(c)));
    expect(new Set(got.keys).size).toBe(got.keys.length);
  }

  it('publishes the records and journal entries the log determines, and checkpoints on stop', async () => {
    await setup();
    const seqs = await publishAll(ingress, script());
    const last = Math.max(...seqs);
    const p = await processor();
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(last);
    }, WAIT);
    await expectOutputsMatchLog();
    const got = await outputs();
    expect(got.journal).toHaveLength(6);
    expect(got.records.every((r) => phonesOfPartition(P, 3).includes(r.phoneId))).toBe(true);
    await p.stop({ flush: true });
    expect(await p.ended).toBe('stopped');
    const ckpt = await env.lines.get(checkpointKey(P));
    expect(ckpt?.json()).toEqual({ seq: last });
    const expected = await foldEvents(env.nc, env.names, P);
    for (const [phoneId, snapshot] of expected.snapshots) {
      expect((await env.lines.get(lineKey(P, phoneId)))?.json()).toEqual(snapshot);
    }
    // A successor after a planned stop starts at the checkpoint: nothing to replay.
    const next = await processor();
    await publishAll(ingress, callInputs(phonesOfPartition(P, 1)[0]!, 'late', 1_800_000_000_000));
    await vi.waitFor(() => {
      expect(next.counters().inputs).toBe(4);
    }, WAIT);
  });

  it('stops without writing by default (the lease may be gone already)', async () => {
    await setup();
    const seqs = await publishAll(ingress, script());
    const p = await processor({ checkpointMs: 60_000 });
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    await p.stop();
    expect(await env.lines.get(checkpointKey(P))).toBeNull();
    // A successor replays from the start and skips what the snapshots cover: outputs unchanged.
    const next = await processor();
    await vi.waitFor(() => {
      expect(next.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    expect(next.counters().changesPublished + next.counters().changesDuplicates).toBe(0);
    await expectOutputsMatchLog();
  });

  it('is deterministic: the same inputs under another prefix give byte-identical outputs', async () => {
    await setup();
    const inputs = script();
    await publishAll(ingress, inputs);
    const first = await processor();
    await vi.waitFor(async () => {
      expect((await outputs()).journal).toHaveLength(6);
    }, WAIT);
    await first.stop();
    const a = await outputs();
    // Same server, a second system under another prefix, same inputs.
    const names2 = clusterNames(`${env.names.buckets.lines.split('-')[0]!}b`);
    const { lines: lines2 } = await createLogStreams(env.nc, names2);
    const ingress2 = createIngress({ js: env.js, names: names2, nodeId: 'other-node' });
    await publishAll(ingress2, inputs);
    const second = createPartitionProcessor({
      js: env.js,
      lines: lines2,
      names: names2,
      partition: P,
      ingress: ingress2,
      tickMs: 0,
    });
    cleanups.push(() => second.stop());
    await second.start();
    const dec = new TextDecoder();
    await vi.waitFor(async () => {
      expect(await readStream(env.nc, names2.journalStream)).toHaveLength(6);
    }, WAIT);
    const b = {
      changes: (await readStream(env.nc, names2.changesStream)).map((m) => dec.decode(m.data)),
      journal: (await readStream(env.nc, names2.journalStream)).map((m) => dec.decode(m.data)),
    };
    expect(b.changes).toEqual(a.records.map((r) => JSON.stringify(r)));
    expect(b.journal).toEqual(a.journal.map((c) => JSON.stringify(c)));
  });

  it.each([
    [
      'after a CHANGES publish',
      (m: string, args: readonly unknown[]) => m === 'publish' && String(args[0]).includes('.ch.'),
      7,
    ],
    [
      'after a JOURNAL publish',
      (m: string, args: readonly unknown[]) => m === 'publish' && String(args[0]).includes('.jr.'),
      2,
    ],
    [
      'after a snapshot write',
      (m: string, args: readonly unknown[]) =>
        m === 'create' || (m === 'publish' && String(args[0]).startsWith('$KV.')),
      9,
    ],
  ])(
    'replays after a crash %s without a duplicate journal entry or a lost change',
    async (_name, match, count) => {
      await setup();
      const seqs = await publishAll(ingress, script());
      const faults = createFaults();
      faults.crashAfter(match, count);
      // checkpointEvery high: the successor replays the whole log and must skip what is covered.
      const a = await processor({ checkpointEvery: 10_000, checkpointMs: 60_000 }, faults);
      await faults.untilHeld();
      const before = await outputs();
      expect(before.records.length).toBeGreaterThan(0);
      const b = await processor();
      await vi.waitFor(() => {
        expect(b.appliedSeq()).toBe(Math.max(...seqs));
      }, WAIT);
      await expectOutputsMatchLog();
      expect((await outputs()).journal).toHaveLength(6);
      expect(a.appliedSeq()).toBeLessThan(b.appliedSeq());
    },
  );

  it('takes a snapshot write whose answer was lost (stored, then retried) as done, not as lost', async () => {
    await setup();
    const faults = createFaults();
    // The third snapshot write reaches the server, then its answer is lost (the call fails).
    faults.crashAfter(
      (m, args) => m === 'create' || (m === 'publish' && String(args[0]).startsWith('$KV.')),
      2,
    );
    const seqs = await publishAll(ingress, script());
    const p = await processor({}, faults);
    await faults.untilHeld();
    faults.fail();
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    await expectOutputsMatchLog();
    await p.stop({ flush: true });
    expect(await p.ended).toBe('stopped');
  });

  it('counts a journal republish after the duplicate window as success (one message per subject)', async () => {
    env = await startLogTestEnv(300);
    ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
    const seqs = await publishAll(ingress, script());
    const faults = createFaults();
    faults.crashAfter((m, args) => m === 'publish' && String(args[0]).includes('.jr.'), 0);
    await processor({ checkpointEvery: 10_000, checkpointMs: 60_000 }, faults);
    await faults.untilHeld();
    // Wait until the stream's duplicate window has passed: a probe Msg-Id is accepted again.
    const probe = env.names.changeSubject(63, 'probe');
    await env.js.publish(probe, '{"phoneId":"probe"}', { msgID: 'probe' });
    await vi.waitFor(async () => {
      expect(
        (await env.js.publish(probe, '{"phoneId":"probe"}', { msgID: 'probe' })).duplicate,
      ).toBe(false);
    }, WAIT);
    const b = await processor();
    await vi.waitFor(() => {
      expect(b.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    expect(b.counters().journalDuplicates).toBe(1);
    expect((await outputs()).journal).toHaveLength(6);
    await expectOutputsMatchLog({}, 1);
  });

  /** Publishes `inputs`, lets a new owner apply them, and hands over (final checkpoint). */
  async function ownerApplies(inputs: Parameters<typeof publishAll>[1]): Promise<void> {
    const seqs = await publishAll(ingress, inputs);
    const owner = await processor();
    await vi.waitFor(() => {
      expect(owner.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    await owner.stop({ flush: true });
  }

  /**
   * The call `lagged` of one phone: a first owner applies its start and hands over with a
   * checkpoint past it, a second ends it (journalled once, `normal`). Returns the phone, and
   * what a replica that lags behind would still answer: that checkpoint, and no snapshot yet.
   */
  async function callAcrossTwoOwners(): Promise<{
    phone: string;
    lines: KV;
    laggingAnswers: ReadonlyMap<string, KvEntry | null>;
  }> {
    const phone = phonesOfPartition(P, 1)[0]!;
    const [incoming, connected, disconnected, onhook] = callInputs(
      phone,
      'lagged',
      1_700_000_000_000,
    );
    const lines: KV = await new Kvm(env.js).open(env.names.buckets.lines);
    await ownerApplies([incoming!, connected!]);
    const checkpointAfterStart = await lines.get(checkpointKey(P));
    await ownerApplies([disconnected!, onhook!]);
    const laggingAnswers = new Map([
      [checkpointKey(P), checkpointAfterStart],
      [lineKey(P, phone), null],
    ]);
    return { phone, lines, laggingAnswers };
  }

  /**
   * `lines` whose `get` (a direct get) answers like a lagging replica for some keys, and whose
   * `keys` listing ends before the first key (as one did in tests/cluster).
   */
  function withLaggingGet(
    lines: KV,
    answers: ReadonlyMap<string, KvEntry | null>,
    options: { readonly bucket: boolean },
  ): KV {
    return new Proxy(lines, {
      get(target, prop, receiver) {
        if (prop === 'keys') {
          return async function* () {
            // nothing listed
          };
        }
        if (prop !== 'get') return Reflect.get(target, prop, receiver) as unknown;
        return (key: string) =>
          answers.has(key) ? Promise.resolve(answers.get(key) ?? null) : target.get(key);
      },
      // A KV that is not a `Bucket` is read with its own `get` (kv-leader-read.ts).
      ...(options.bucket ? {} : { getPrototypeOf: () => Object.prototype }),
    });
  }

  it('reads its checkpoint and snapshots from the stream leader, not from a lagging replica', async () => {
    await setup();
    const { lines, laggingAnswers } = await callAcrossTwoOwners();
    const third = await processor({
      lines: withLaggingGet(lines, laggingAnswers, { bucket: true }),
    });
    await publishAll(ingress, callInputs(phonesOfPartition(P, 1)[0]!, 'next', 1_700_000_100_000));
    await vi.waitFor(async () => {
      expect((await outputs()).journal.map((c) => [c.id, c.disconnectMode])).toEqual([
        ['lagged', 'normal'],
        ['next', 'normal'],
      ]);
    }, WAIT);
    expect(third.counters().journalDuplicates).toBe(0);
    await third.stop({ flush: true });
    expect(await third.ended).toBe('stopped');
  });

  it('journals a call once even when a successor starts from a snapshot older than its checkpoint', async () => {
    await setup();
    const { lines, laggingAnswers } = await callAcrossTwoOwners();
    // It replays `disconnected` onto a line that never saw the call, re-creates it with mode
    // `unknown`, and is stopped by the snapshot's CAS, but only after its journal publish; the
    // call's identity key makes that publish a duplicate.
    const third = await processor({
      lines: withLaggingGet(lines, laggingAnswers, { bucket: false }),
    });
    expect(await third.ended).toBe('lost');
    const { journal } = await outputs();
    expect(journal.map((c) => [c.id, c.disconnectMode])).toEqual([['lagged', 'normal']]);
    expect(third.counters().journalDuplicates).toBe(1);
  });

  it('stops a paused zombie by CAS when it resumes; its late outputs are de-duplicated', async () => {
    await setup();
    const inputs = script();
    const half = Math.floor(inputs.length / 2);
    const firstSeqs = await publishAll(ingress, inputs.slice(0, half));
    const faults = createFaults();
    const lost: string[] = [];
    const zombie = await processor({ onLost: (r) => lost.push(r) }, faults);
    await vi.waitFor(() => {
      expect(zombie.appliedSeq()).toBe(Math.max(...firstSeqs));
    }, WAIT);
    faults.pause(); // SIGSTOP: its next NATS call waits
    const rest = await publishAll(ingress, inputs.slice(half));
    await faults.untilHeld();
    const owner = await processor();
    await vi.waitFor(() => {
      expect(owner.appliedSeq()).toBe(Math.max(...rest));
    }, WAIT);
    faults.resume(); // SIGCONT: the zombie goes on with its stale revisions
    expect(await zombie.ended).toBe('lost');
    expect(lost).toHaveLength(1);
    await expectOutputsMatchLog();
    expect(zombie.counters().changesDuplicates).toBeGreaterThan(0);
    // The rightful owner carries on.
    await publishAll(ingress, callInputs(phonesOfPartition(P, 1)[0]!, 'after', 1_800_000_000_000));
    await vi.waitFor(async () => {
      expect((await outputs()).journal).toHaveLength(7);
    }, WAIT);
    await expectOutputsMatchLog();
  });

  it('stops without writing once canWrite says the lease is gone', async () => {
    await setup();
    const inputs = script();
    const half = Math.floor(inputs.length / 2);
    let leaseHeld = true;
    const lost: string[] = [];
    const p = await processor({ canWrite: () => leaseHeld, onLost: (r) => lost.push(r) });
    const first = await publishAll(ingress, inputs.slice(0, half));
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...first));
    }, WAIT);
    const before = (await outputs()).records.length;
    leaseHeld = false;
    await publishAll(ingress, inputs.slice(half));
    expect(await p.ended).toBe('lost');
    expect(lost[0]).toMatch(/lease/);
    expect((await outputs()).records).toHaveLength(before);
  });

  it('two owners at once: CHANGES de-duplicated, one stopped by CAS, outputs exact', async () => {
    await setup();
    const a = await processor();
    const b = await processor();
    const seqs = await publishAll(ingress, script());
    const loser = await Promise.race([a.ended, b.ended].map((e, i) => e.then(() => i)));
    const winner = loser === 0 ? b : a;
    await vi.waitFor(() => {
      expect(winner.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    expect(await (loser === 0 ? a : b).ended).toBe('lost');
    await expectOutputsMatchLog();
  });

  it('carries on by itself after the nats-server restarts mid-way', async () => {
    await setup();
    const inputs = script();
    const half = Math.floor(inputs.length / 2);
    const first = await publishAll(ingress, inputs.slice(0, half));
    const p = await processor();
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...first));
    }, WAIT);
    const node = env.server.nodes[0]!;
    await node.kill();
    await node.start();
    let rest: number[] = [];
    await vi.waitFor(
      async () => {
        rest = await publishAll(ingress, inputs.slice(half));
      },
      { timeout: 30_000, interval: 200 },
    );
    await vi.waitFor(
      () => {
        expect(p.appliedSeq()).toBe(Math.max(...rest));
      },
      { timeout: 90_000, interval: 50 },
    );
    await expectOutputsMatchLog();
  }, 120_000);

  it('logs ticks as inputs, so a timed-out call ends the same way on replay', async () => {
    await setup();
    const options: LineReducerOptions = { setupTimeoutMs: 300 };
    const phone = phonesOfPartition(P, 1)[0]!;
    const p = await processor({ tickMs: 50, reducerOptions: () => options });
    await ingress.publishInput(phone, callInputs(phone, 'ring', Date.now())[0]!, Date.now());
    await vi.waitFor(async () => {
      expect((await outputs()).journal).toHaveLength(1);
    }, WAIT);
    const ticks = (await readStream(env.nc, env.names.eventsStream)).filter(
      (m) => (json(m) as { input: { kind: string } }).input.kind === 'tick',
    );
    expect(ticks.length).toBeGreaterThan(0);
    expect((await outputs()).journal[0]).toMatchObject({ id: 'ring', missed: true });
    await p.stop();
    await expectOutputsMatchLog(options);
    expect(p.liveLines()).toEqual([]);
  });

  it('skips malformed and misrouted inputs without stopping', async () => {
    await setup();
    const phone = phonesOfPartition(P, 1)[0]!;
    const misrouted = phonesOfPartition(P + 1, 1)[0]!;
    const enc = new TextEncoder();
    await env.js.publish(env.names.eventSubject(P, phone), enc.encode('not json'));
    await env.js.publish(
      env.names.eventSubject(P, phone),
      enc.encode(
        JSON.stringify({ phoneId: 'someone-else', input: { kind: 'tick' }, receivedAt: 1 }),
      ),
    );
    await env.js.publish(
      env.names.eventSubject(P, misrouted),
      enc.encode(JSON.stringify({ phoneId: misrouted, input: { kind: 'tick' }, receivedAt: 1 })),
    );
    await env.js.publish(
      env.names.eventSubject(P, phone),
      enc.encode(
        JSON.stringify({ phoneId: phone, input: { kind: 'incoming', params: 'x' }, receivedAt: 1 }),
      ),
    );
    const seqs = await publishAll(ingress, callInputs(phone, 'ok', 1_700_000_000_000));
    const p = await processor();
    await vi.waitFor(() => {
      expect(p.appliedSeq()).toBe(Math.max(...seqs));
    }, WAIT);
    expect(p.counters().skippedInvalid).toBe(4);
    await expectOutputsMatchLog();
    expect((await outputs()).journal).toHaveLength(1);
  });
});
