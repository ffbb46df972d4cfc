import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngress, type Ingress } from './ingress.js';
import { checkpointKey, lineKey } from './line-snapshots.js';
import { createPartitionOwner, type PartitionOwner } from './partition-owner.js';
import { callInputs, phonesOfPartition, publishAll, readStream } from './testing/log-fixtures.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

const missing = natsMissing();
const WAIT = { timeout: 30_000, interval: 20 };

describe.skipIf(missing)('partition owner', () => {
  let env: LogTestEnv;
  let ingress: Ingress;
  let owner: PartitionOwner | undefined;

  afterEach(async () => {
    await owner?.close({ flush: false });
    owner = undefined;
    await env.dispose();
  });

  it('runs a processor per gained partition, flushes on a planned loss, reports a CAS loss', async () => {
    env = await startLogTestEnv();
    ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
    const lost: number[] = [];
    const o = createPartitionOwner({
      js: env.js,
      lines: env.lines,
      names: env.names,
      ingress,
      tickMs: 0,
      checkpointMs: 60_000,
      onLost: (p) => lost.push(p),
    });
    owner = o;
    o.gain([3, 4]);
    o.gain([3]);
    expect(o.running()).toEqual([3, 4]);
    const a = phonesOfPartition(3, 1)[0]!;
    const b = phonesOfPartition(4, 1)[0]!;
    await publishAll(ingress, [
      ...callInputs(a, 'ca', 1_700_000_000_000),
      ...callInputs(b, 'cb', 1_700_000_000_000),
    ]);
    // A call is journalled at `disconnected`; its `onhook` (seq 4 of the partition) may still be
    // on its way, and the final checkpoint below is of what was applied: wait for all 8 inputs.
    await vi.waitFor(async () => {
      expect(await readStream(env.nc, env.names.journalStream)).toHaveLength(2);
      expect(o.counters().inputs).toBe(8);
    }, WAIT);
    expect(o.counters().journalPublished).toBe(2);

    // Planned hand-over of 3: the final checkpoint is stored.
    await o.lose([3], { flush: true });
    expect(o.running()).toEqual([4]);
    expect((await env.lines.get(checkpointKey(3)))?.json()).toEqual({ seq: 4 });

    // Another writer moves b's snapshot: the next write of 4 fails its CAS and 4 is reported lost.
    const entry = await env.lines.get(lineKey(4, b));
    await env.lines.put(lineKey(4, b), entry!.value);
    await ingress.publishInput(b, callInputs(b, 'cb2', 1_700_000_100_000)[0]!, 1_700_000_100_000);
    await vi.waitFor(() => {
      expect(lost).toEqual([4]);
    }, WAIT);
    expect(o.running()).toEqual([]);
  });
});
