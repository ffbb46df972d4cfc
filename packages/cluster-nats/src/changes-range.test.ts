import { jetstreamManager } from '@nats-io/jetstream';
import { createLineState } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readChangesRange } from './changes-range.js';
import type { ChangeRecord } from './cluster-types.js';
import { ClusterError } from './errors.js';
import { createReadView } from './read-view.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

// Reading CHANGES back for an SSE reader older than a daemon's buffer (docs/cluster.md "SSE ids").

const missing = natsMissing();

function record(phoneId: string, eventSeq: number): ChangeRecord {
  return {
    phoneId,
    eventSeq,
    changes: [],
    presenceChanges: [],
    state: createLineState(phoneId),
  };
}

describe.skipIf(missing)('reading a range of CHANGES', () => {
  let env: LogTestEnv;

  afterEach(async () => {
    await env.dispose();
  });

  async function publish(phoneId: string, eventSeq: number): Promise<number> {
    const ack = await env.js.publish(
      env.names.changeSubject(0, phoneId),
      JSON.stringify(record(phoneId, eventSeq)),
    );
    return ack.seq;
  }

  it('returns the records after a sequence up to another, without republished ones', async () => {
    env = await startLogTestEnv();
    await publish('a', 1); // 1
    await publish('a', 2); // 2
    await publish('b', 1); // 3
    await env.js.publish(env.names.changeSubject(0, 'a'), 'not json'); // 4
    await publish('a', 2); // 5: a replaying owner's republish of 2
    await publish('a', 3); // 6
    await publish('b', 2); // 7
    const got = await readChangesRange({
      js: env.js,
      names: env.names,
      afterSeq: 1,
      toSeq: 6,
      limit: 100,
    });
    expect(got.map((c) => [c.seq, c.record.phoneId, c.record.eventSeq])).toEqual([
      [2, 'a', 2],
      [3, 'b', 1],
      [6, 'a', 3],
    ]);
    expect(
      await readChangesRange({ js: env.js, names: env.names, afterSeq: 6, toSeq: 6, limit: 9 }),
    ).toEqual([]);
  }, 60_000);

  it('refuses a range the stream no longer holds', async () => {
    env = await startLogTestEnv();
    for (let i = 1; i <= 5; i++) await publish('a', i);
    const jsm = await jetstreamManager(env.nc);
    await jsm.streams.purge(env.names.changesStream, { seq: 4 }); // keeps 4 and 5
    await expect(
      readChangesRange({ js: env.js, names: env.names, afterSeq: 1, toSeq: 5, limit: 100 }),
    ).rejects.toBeInstanceOf(ClusterError);
    const rest = await readChangesRange({
      js: env.js,
      names: env.names,
      afterSeq: 3,
      toSeq: 5,
      limit: 100,
    });
    expect(rest.map((c) => c.seq)).toEqual([4, 5]);
  }, 60_000);

  it('the read view says from which sequence on it delivers every record live', async () => {
    env = await startLogTestEnv();
    for (let i = 1; i <= 3; i++) await publish('a', i);
    const view = createReadView({
      js: env.js,
      lines: env.lines,
      names: env.names,
      onChange: () => undefined,
    });
    await view.start();
    try {
      expect(view.liveAfterSeq()).toBe(3);
      expect(view.knownSeq()).toBeGreaterThanOrEqual(3);
    } finally {
      await view.stop();
    }
  }, 60_000);
});
