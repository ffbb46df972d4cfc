import { jetstream } from '@nats-io/jetstream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeliveredJournalEntry } from './cluster-types.js';
import { createIngress, type Ingress } from './ingress.js';
import { createJournalFeed, startingSeq, type JournalFeed } from './journal-feed.js';
import { journalKey } from './journal-key.js';
import { createPartitionProcessor } from './partition-processor.js';
import {
  callInputs,
  interleave,
  phonesOfPartition,
  publishAll,
  readStream,
} from './testing/log-fixtures.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

const missing = natsMissing();
const P = 17;
const WAIT = { timeout: 30_000, interval: 20 };

describe('journal feed start', () => {
  it('resumes at the stored position, and from 1 when the position is beyond the stream', () => {
    expect(startingSeq(1, 0)).toBe(1);
    expect(startingSeq(11, 10)).toBe(11); // caught up: only new entries
    expect(startingSeq(5, 10)).toBe(5);
    expect(startingSeq(12, 10)).toBe(1); // stored against another (recreated) stream
  });
});

describe.skipIf(missing)('journal feed', () => {
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
    const p = createPartitionProcessor({
      js: env.js,
      lines: env.lines,
      names: env.names,
      partition: P,
      ingress,
      tickMs: 0,
    });
    cleanups.push(() => p.stop());
    await p.start();
  }

  async function feed(
    fromSeq: number,
  ): Promise<{ feed: JournalFeed; got: DeliveredJournalEntry[] }> {
    const got: DeliveredJournalEntry[] = [];
    const f = createJournalFeed({
      js: jetstream(await env.connectAnother()),
      names: env.names,
      fromSeq,
      onEntry: (e) => got.push(e),
    });
    cleanups.push(() => f.stop());
    await f.start();
    return { feed: f, got };
  }

  async function sixCalls(): Promise<void> {
    const phones = phonesOfPartition(P, 3);
    await publishAll(
      ingress,
      interleave(
        phones.map((id, i) => [
          ...callInputs(id, `a${String(i)}`, 1_700_000_000_000 + i),
          ...callInputs(id, `b${String(i)}`, 1_700_000_100_000 + i),
        ]),
      ),
    );
  }

  it('delivers every finished call once with its sequence and key', async () => {
    await setup();
    const { feed: f, got } = await feed(0);
    expect(got).toEqual([]);
    await sixCalls();
    await vi.waitFor(() => {
      expect(got).toHaveLength(6);
    }, WAIT);
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of got) expect(e.key).toBe(journalKey(e.call));
    expect(new Set(got.map((e) => e.key)).size).toBe(6);
    expect(f.lag()).toBe(0);
    expect(f.lastSeq()).toBe(6);
  });

  it('resumes from fromSeq and resolves start once caught up', async () => {
    await setup();
    await sixCalls();
    await vi.waitFor(async () => {
      expect(await readStream(env.nc, env.names.journalStream)).toHaveLength(6);
    }, WAIT);
    const { got } = await feed(4);
    expect(got.map((e) => e.seq)).toEqual([4, 5, 6]);
    const all = await feed(0);
    expect(all.got).toHaveLength(6);
  });

  it('skips a malformed entry and refuses a bad fromSeq', async () => {
    await setup();
    await env.js.publish(env.names.journalSubject('x', 'k1'), 'not json');
    await sixCalls();
    const { got } = await feed(0);
    await vi.waitFor(() => {
      expect(got).toHaveLength(6);
    }, WAIT);
    expect(got[0]?.seq).toBe(2);
    expect(() =>
      createJournalFeed({ js: env.js, names: env.names, fromSeq: -1, onEntry: () => undefined }),
    ).toThrow(RangeError);
  });
});
