import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { canControlLine, canSeeLine, userPrincipal, visibleLines } from './principal.js';
import { createUserToken, parseUserToken, verifyTokenSecret } from './token-hash.js';
import { createTokenVerifier } from './token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';
import { createUserStore } from './user-store.js';
import type { UserStore } from './user-store.js';

describe('token hashes', () => {
  it('makes slu_<id>_<secret> tokens whose secret verifies against the stored scrypt hash only', async () => {
    const { token, hash } = await createUserToken('0123abcd');
    const parsed = parseUserToken(token);
    expect(parsed?.id).toBe('0123abcd');
    expect(hash.alg).toBe('scrypt');
    expect(JSON.stringify(hash)).not.toContain(parsed?.secret);
    expect(await verifyTokenSecret(parsed?.secret ?? '', hash)).toBe(true);
    expect(await verifyTokenSecret(`${parsed?.secret ?? ''}x`, hash)).toBe(false);
    expect(parseUserToken('slu_XYZ_secret')).toBeNull();
    expect(parseUserToken('not-a-token')).toBeNull();
  });
});

describe('principals', () => {
  const base = { id: 'aa11bb22', name: 'Ann', createdAt: 0, tokens: [] };
  it('gives a viewer its lines and no control, an agent its control lines, an admin everything', () => {
    const viewer = userPrincipal(
      { ...base, role: 'viewer', lines: ['a'], control: ['b'] },
      { id: 't1t1t1t1' },
    );
    expect(canSeeLine(viewer, 'a')).toBe(true);
    expect(canSeeLine(viewer, 'b')).toBe(false);
    expect(canControlLine(viewer, 'a')).toBe(false);
    const agent = userPrincipal(
      { ...base, role: 'agent', lines: ['a'], control: ['b'] },
      { id: 't1t1t1t1' },
    );
    expect(visibleLines(agent, ['a', 'b', 'c'])).toEqual(['a', 'b']);
    expect(canControlLine(agent, 'b')).toBe(true);
    expect(canControlLine(agent, 'a')).toBe(false);
    const all = userPrincipal(
      { ...base, role: 'agent', lines: ['*'], control: [] },
      { id: 't1t1t1t1' },
    );
    expect(canSeeLine(all, 'anything')).toBe(true);
    expect(canControlLine(all, 'anything')).toBe(false);
    const admin = userPrincipal(
      { ...base, role: 'admin', lines: [], control: [] },
      { id: 't1t1t1t1' },
    );
    expect(canControlLine(admin, 'x')).toBe(true);
  });
});

describe('user store and token verifier', () => {
  let config: ConfigStore;
  let verifier: TokenVerifier;
  let store: UserStore;
  let clock: number;

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snomlink-users-'));
    config = await openConfigStore({ file: join(dir, 'config.json') });
    clock = 1_000_000;
    verifier = createTokenVerifier({
      users: () => config.current.users,
      now: () => clock,
      cacheTtlMs: 1000,
    });
    store = createUserStore({ config, verifier, now: () => clock });
  });

  it('stores only the hash in config.json, verifies the token, and refuses it at once after revocation', async () => {
    const user = await store.create({ name: 'Ann', role: 'agent', lines: ['a'], control: ['a'] });
    const created = await store.createToken(user.id, 'laptop');
    const text = await readFile(config.file, 'utf8');
    expect(text).not.toContain(created.token);
    expect(text).not.toContain(parseUserToken(created.token)?.secret);
    expect(text).toContain('"scrypt"');

    const principal = await verifier.verify(created.token);
    expect(principal?.name).toBe('Ann');
    expect(principal?.role).toBe('agent');
    expect(verifier.cacheSize).toBe(1);
    const last = created.token.slice(-1);
    const wrong = `${created.token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
    expect(await verifier.verify(wrong)).toBeNull();

    await store.revokeToken(user.id, created.id);
    expect(verifier.cacheSize).toBe(0);
    expect(await verifier.verify(created.token)).toBeNull();
  });

  it('applies a scope change and a deletion to a cached token at once', async () => {
    const user = await store.create({ name: 'Bob', role: 'viewer', lines: ['a'], control: [] });
    const { token } = await store.createToken(user.id, 'pc');
    expect([...((await verifier.verify(token))?.lines ?? [])]).toEqual(['a']);
    await store.update(user.id, { lines: ['b'] });
    expect([...((await verifier.verify(token))?.lines ?? [])]).toEqual(['b']);
    await store.remove(user.id);
    expect(await verifier.verify(token)).toBeNull();
    expect(store.list()).toEqual([]);
  });

  it('runs scrypt once for concurrent requests and again only after the cache expired', async () => {
    const user = await store.create({ name: 'Cy', role: 'viewer', lines: ['a'], control: [] });
    const { token } = await store.createToken(user.id, 'pc');
    const results = await Promise.all([
      verifier.verify(token),
      verifier.verify(token),
      verifier.verify(token),
    ]);
    expect(results.every((p) => p?.userId === user.id)).toBe(true);
    expect(verifier.cacheSize).toBe(1);
    clock += 5000;
    expect((await verifier.verify(token))?.userId).toBe(user.id);
  });

  it('rejects an invalid user without changing the config', async () => {
    const before = await readFile(config.file, 'utf8');
    await expect(
      store.create({ name: 'x', role: 'viewer', lines: ['bad id!'], control: [] }),
    ).rejects.toThrow();
    expect(await readFile(config.file, 'utf8')).toBe(before);
  });
});
