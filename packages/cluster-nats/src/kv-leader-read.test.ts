import { afterEach, describe, expect, it } from 'vitest';
import { leaderGet, leaderKeys } from './kv-leader-read.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

const missing = natsMissing();

describe.skipIf(missing)('reads from the stream leader', () => {
  let env: LogTestEnv;
  afterEach(async () => {
    await env.dispose();
  });

  it('lists the keys under a filter and reads their last values, deleted ones as DEL', async () => {
    env = await startLogTestEnv();
    const kv = env.lines;
    const a = await kv.put('line.7.desk-1', '{"n":1}');
    await kv.put('line.7.desk-1', '{"n":2}');
    await kv.put('line.7.desk-2', '{"n":3}');
    await kv.put('line.8.desk-3', '{"n":4}');
    await kv.delete('line.7.desk-2');
    expect((await leaderKeys(kv, 'line.7.*')).sort()).toEqual(['line.7.desk-1', 'line.7.desk-2']);
    expect(await leaderKeys(kv, 'line.9.*')).toEqual([]);
    const one = await leaderGet(kv, 'line.7.desk-1');
    expect(one?.string()).toBe('{"n":2}');
    expect(one?.revision).toBe(a + 1);
    expect(one?.operation).toBe('PUT');
    expect((await leaderGet(kv, 'line.7.desk-2'))?.operation).toBe('DEL');
    expect(await leaderGet(kv, 'line.9.none')).toBeNull();
  });
});
