/**
 * Config as code (issue 16.1), against the built daemon: a config written by hand (or by a
 * provisioning tool) outside a data directory that does not exist yet, without phone secrets;
 * and `snomlink check-config` for deployment pipelines.
 */
import { access, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SseCall } from './harness/api-types.js';
import {
  freePort,
  randomSecret,
  runSnomlink,
  startDaemon,
  tempDir,
} from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

const daemons: DaemonProcess[] = [];
const readers: SseClient[] = [];
const dirs: string[] = [];
let phones: TestPhone[] = [];

afterEach(async () => {
  for (const r of readers) r.close();
  await Promise.all(daemons.map((d) => d.stop()));
  await closePhones(phones);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  daemons.length = 0;
  readers.length = 0;
  dirs.length = 0;
  phones = [];
});

/** A temp root with `etc/` for the config and a data dir path below it that does not exist. */
async function layout(): Promise<{ configFile: string; dataDir: string }> {
  const root = await tempDir('snomlink-config-as-code-');
  dirs.push(root);
  await mkdir(join(root, 'etc', 'snomlink'), { recursive: true });
  return {
    configFile: join(root, 'etc', 'snomlink', 'config.json'),
    dataDir: join(root, 'var', 'lib', 'snomlink'),
  };
}

describe('a config written by hand outside the data directory', () => {
  it('starts on a fresh data dir, generates the phone secrets, and the phones work once provisioned', async () => {
    phones = await startPhones([{ id: 'desk', model: 'snom360' }]);
    const [desk] = phones as [TestPhone];
    // What a provisioning tool writes: no secret (the harness adds ports and the token).
    const { secret: _omitted, ...withoutSecret } = desk.entry;
    const { configFile, dataDir } = await layout();
    await expect(access(dataDir)).rejects.toThrow();

    const daemon = await startDaemon({ configFile, dataDir, config: { phones: [withoutSecret] } });
    daemons.push(daemon);

    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    await access(join(dataDir, 'journal.sqlite'));
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const written = JSON.parse(await readFile(configFile, 'utf8')) as {
      phones: { id: string; secret: string }[];
    };
    const secret = written.phones[0]?.secret ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const line = await daemon.waitForOutput(/phones\.desk\.secret/);
    expect(line).toMatch(/generated/);
    expect(daemon.output()).not.toContain(secret);

    const sse = await events(daemon);
    readers.push(sse);
    await provisionAll(daemon, phones);
    const id = await desk.phone.ring('+4930123456', { display: 'Hand Written' });
    await desk.phone.answer(id);
    await desk.phone.hangUp(id);
    const done: SseCall = await finished(sse, id);
    expect(done.call).toMatchObject({ phoneId: 'desk', direction: 'inbound', missed: false });
    expect(desk.phone.firedActionUrls.some((f) => f.url.includes(`k=${secret}`))).toBe(true);
  });
});

describe('snomlink check-config', () => {
  async function handWritten(config: unknown): Promise<{ configFile: string; dataDir: string }> {
    const paths = await layout();
    await writeFile(paths.configFile, JSON.stringify(config, null, 2));
    return paths;
  }

  it('exits 0 for a valid config, names what start-up would generate and writes nothing', async () => {
    const config = {
      listener: { host: '127.0.0.1', port: await freePort() },
      phones: [{ id: 'desk-201', host: '192.0.2.21', model: 'snom360' }],
    };
    const { configFile, dataDir } = await handWritten(config);
    const before = await readFile(configFile, 'utf8');
    const result = await runSnomlink(['check-config', '--config', configFile]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`${configFile} is valid: 1 phone(s)`);
    expect(result.stdout).toContain('admin.token, phones.desk-201.secret');
    expect(await readFile(configFile, 'utf8')).toBe(before);
    await expect(access(dataDir)).rejects.toThrow();
  });

  it('exits 2 with the message start-up prints for the same file', async () => {
    const { configFile, dataDir } = await handWritten({
      admin: { token: randomSecret(24) },
      listener: { port: 'eighty' },
    });
    const checked = await runSnomlink(['check-config', '--config', configFile]);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toBe('');
    expect(checked.stderr).toContain(`invalid config ${configFile} at listener.port`);
    const started = await runSnomlink(['--config', configFile, '--data-dir', dataDir]);
    expect(started.code).toBe(2);
    expect(started.stderr).toBe(checked.stderr);
  });

  it('exits 2 for a file that is not JSON, or missing', async () => {
    const { configFile } = await handWritten({});
    await writeFile(configFile, '{ "phones": [');
    const broken = await runSnomlink(['check-config', '--config', configFile]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON/);
    const missing = await runSnomlink(['check-config', '--config', `${configFile}.absent`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});
