import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { guardedCreate } from './kv-claim.js';
import { isKvConflict } from './kv-guarded.js';
import { hasNatsServer } from './testing/nats-server.js';
import { useOneServer } from './testing/one-server.js';

describe.skipIf(!hasNatsServer())('guardedCreate', () => {
  const server = useOneServer();

  it('creates once; a second writer of the same generation or a taken key gets a conflict', async () => {
    const kv = await new Kvm(jetstream(server.nc)).create('claim-a', { history: 1 });
    const rev = await guardedCreate(kv, 'p.1', 'x', 0);
    expect(rev).toBeGreaterThan(0);
    const same = await guardedCreate(kv, 'p.1', 'y', 0).catch((e: unknown) => e);
    expect(isKvConflict(same)).toBe(true);
    const other = await guardedCreate(kv, 'p.1', 'y', 7).catch((e: unknown) => e);
    expect(isKvConflict(other)).toBe(true);
    expect((await kv.get('p.1'))?.string()).toBe('x');
    // A released key (delete marker) is claimed at the marker's revision.
    await kv.delete('p.1');
    await guardedCreate(kv, 'p.1', 'z', 0);
    expect((await kv.get('p.1'))?.string()).toBe('z');
  });

  it('creates again after the key expired, even with a Msg-Id used before in the window', async () => {
    const kv = await new Kvm(jetstream(server.nc)).create('claim-b', { history: 1, ttl: 1_000 });
    await guardedCreate(kv, 'p.2', 'first', 0);
    const deadline = Date.now() + 10_000;
    while ((await kv.get('p.2')) !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await kv.get('p.2')).toBeNull();
    const rev = await guardedCreate(kv, 'p.2', 'second', 0);
    expect(rev).toBeGreaterThan(0);
    expect((await kv.get('p.2'))?.string()).toBe('second');
  });
});
