import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDaemonConfigError } from '../errors.js';
import { openConfigStore } from './config-store.js';
import { phoneConfig } from './config-schema.js';
import type { Config } from './config-schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const phone = (id: string): Config['phones'][number] =>
  phoneConfig({ id, name: id, host: '127.0.0.2', password: 'pw', secret: 'secret-secret' });

describe('config store', () => {
  it('creates the data dir and a 0600 config with a random admin token on first start', async () => {
    const file = join(dir, 'data', 'config.json');
    const store = await openConfigStore({ file });
    expect(store.created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const json = JSON.parse(await readFile(file, 'utf8')) as Config;
    expect(json.admin.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(json.listener).toMatchObject({ host: '0.0.0.0', port: 8080 });
    const again = await openConfigStore({ file });
    expect(again.created).toBe(false);
    expect(again.current.admin.token).toBe(json.admin.token);
  });

  it('names the file, the field and the problem of a bad config', async () => {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({ admin: { token: 'x'.repeat(20) }, listener: { port: 'eighty' } }),
    );
    const error = await openConfigStore({ file }).catch((e: unknown) => e);
    expect(isDaemonConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('listener.port');
    expect((error as Error).message).toContain('port must be a number');
  });

  it('reports a file that is not JSON', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, '{ nope');
    await expect(openConfigStore({ file })).rejects.toThrow(/not valid JSON/);
  });

  it('writes updates atomically, one after another, and leaves no temp files', async () => {
    const file = join(dir, 'config.json');
    const store = await openConfigStore({ file });
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) =>
        store.update((c) => ({ ...c, phones: [...c.phones, phone(id)] })),
      ),
    );
    const json = JSON.parse(await readFile(file, 'utf8')) as Config;
    expect(json.phones.map((p) => p.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(await readdir(dir)).toEqual(['config.json']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('rejects an invalid update and keeps the file as it was', async () => {
    const file = join(dir, 'config.json');
    const store = await openConfigStore({ file });
    await store.update((c) => ({ ...c, phones: [phone('a')] }));
    const before = await readFile(file, 'utf8');
    await expect(store.update((c) => ({ ...c, phones: [phone('a'), phone('a')] }))).rejects.toThrow(
      /unique/,
    );
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(store.current.phones).toHaveLength(1);
  });

  it('generates missing phone secrets and the admin token of a hand-written config, 0600', async () => {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        admin: { port: 9000 },
        phones: [
          { id: 'desk-201', host: '192.0.2.21' },
          { id: 'desk-202', host: '192.0.2.22', secret: 'kept-secret-202' },
        ],
      }),
      { mode: 0o644 },
    );
    const store = await openConfigStore({ file });
    expect(store.created).toBe(false);
    expect(store.generated).toEqual(['admin.token', 'phones.desk-201.secret']);
    const json = JSON.parse(await readFile(file, 'utf8')) as Config;
    expect(json.admin).toMatchObject({ port: 9000, host: '127.0.0.1' });
    expect(json.admin.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(json.phones[0]?.secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(json.phones[1]?.secret).toBe('kept-secret-202');
    expect(store.current).toEqual(json);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.json']);
    // Names only: no generated value appears in what the caller logs.
    expect(store.generated.join(' ')).not.toContain(json.phones[0]?.secret);

    const again = await openConfigStore({ file });
    expect(again.generated).toEqual([]);
    expect(again.current.phones[0]?.secret).toBe(json.phones[0]?.secret);
  });

  it('generates a signing secret for each webhook without one and refuses a template host', async () => {
    const file = join(dir, 'config.json');
    const hook = { event: 'call-finished', url: 'http://127.0.0.1:9/crm?n={number}' };
    await writeFile(
      file,
      JSON.stringify({
        admin: { token: 'x'.repeat(20) },
        webhooks: [
          { ...hook, id: 'crm' },
          { ...hook, id: 'kept', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
        ],
      }),
    );
    const store = await openConfigStore({ file });
    expect(store.generated).toEqual(['webhooks.crm.secret']);
    const json = JSON.parse(await readFile(file, 'utf8')) as Config;
    expect(json.webhooks[0]?.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(json.webhooks[1]?.secret).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');

    await writeFile(
      file,
      JSON.stringify({
        admin: { token: 'x'.repeat(20) },
        webhooks: [{ ...hook, id: 'evil', url: 'http://{number}.example/x' }],
      }),
    );
    await expect(openConfigStore({ file })).rejects.toThrow(/not in the host/);
  });

  it('leaves a complete hand-written config untouched on disk', async () => {
    const file = join(dir, 'config.json');
    const text = JSON.stringify({
      admin: { token: 'x'.repeat(20) },
      phones: [{ id: 'a', host: '192.0.2.1', secret: 'secret-secret' }],
    });
    await writeFile(file, text);
    const store = await openConfigStore({ file });
    expect(store.generated).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('still refuses a phone without a host (only secrets and the token are generated)', async () => {
    const file = join(dir, 'config.json');
    const text = JSON.stringify({ phones: [{ id: 'a' }] });
    await writeFile(file, text);
    await expect(openConfigStore({ file })).rejects.toThrow(/phones\.0\.host/);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
