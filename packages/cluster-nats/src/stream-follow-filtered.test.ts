import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { followStream, type FollowedMessage } from './stream-follow.js';
import { natsMissing } from './testing/log-test-env.js';
import { useOneServer } from './testing/one-server.js';

const WATCHDOG_MS = 50;

describe.skipIf(natsMissing())('followStream with a filter subject (one nats-server)', () => {
  const server = useOneServer();

  // A partition's EVENTS consumer is filtered to its partition. Created on a stream whose
  // latest messages are other partitions', nats-server reports the stream's last sequence as
  // "delivered" with nothing pending; the watchdog read that as "delivered past what was
  // handled" and re-created the consumer every two checks, on every idle partition of every
  // daemon after each take-over (hundreds of consumer deletes and creates on a loaded cluster).
  it('does not re-create an idle consumer created behind messages of other subjects', async () => {
    const jsm = await jetstreamManager(server.nc);
    await jsm.streams.add({ name: 'FILTERED', subjects: ['ff.>'] });
    const js = jetstream(server.nc);
    for (let n = 0; n < 20; n++) await js.publish('ff.other', String(n));
    const got: FollowedMessage[] = [];
    const follow = await followStream({
      js,
      stream: 'FILTERED',
      filterSubject: 'ff.mine',
      startSeq: 1,
      caughtUpAt: 0,
      onMessage: (m) => {
        got.push(m);
      },
      label: 'filtered follow',
      watchdogMs: WATCHDOG_MS,
    });
    try {
      // Idle for ten watchdog periods, with the other subject still busy.
      const until = Date.now() + 10 * WATCHDOG_MS;
      let n = 20;
      while (Date.now() < until) await js.publish('ff.other', String(n++));
      const mine = await js.publish('ff.mine', 'mine');
      await expect
        .poll(() => got.map((m) => m.seq), { timeout: 10_000, interval: 20 })
        .toEqual([mine.seq]);
      expect(follow.recoveries()).toBe(0);
    } finally {
      await follow.stop();
    }
  });
});
