import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfigPath, loadClientConfig } from './client-config.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function file(text: string, mode = 0o600): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-client-'));
  dirs.push(dir);
  const path = join(dir, 'client.json');
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

describe('clientConfigPath', () => {
  it('follows SNOMLINK_CLIENT_CONFIG, XDG_CONFIG_HOME, HOME and APPDATA on Windows', () => {
    expect(clientConfigPath({ SNOMLINK_CLIENT_CONFIG: '/x/c.json' }, 'linux')).toBe('/x/c.json');
    expect(clientConfigPath({ XDG_CONFIG_HOME: '/cfg', HOME: '/h' }, 'linux')).toBe(
      '/cfg/snomlink/client.json',
    );
    expect(clientConfigPath({ HOME: '/h' }, 'darwin')).toBe('/h/.config/snomlink/client.json');
    expect(clientConfigPath({ APPDATA: 'C:\\AppData', HOME: '/h' }, 'win32')).toContain('snomlink');
  });
});

describe('loadClientConfig', () => {
  it('reads url, token and phone; a missing file is an empty config', async () => {
    const path = await file('{"url":"http://127.0.0.1:8090","token":"t0ken","phone":"desk"}');
    expect(await loadClientConfig(path)).toEqual({
      file: path,
      config: { url: 'http://127.0.0.1:8090', token: 't0ken', phone: 'desk' },
      warnings: [],
    });
    expect((await loadClientConfig(`${path}.none`)).config).toEqual({});
  });

  it('warns when others may read the token', async () => {
    const path = await file('{"token":"t0ken"}', 0o644);
    expect((await loadClientConfig(path)).warnings[0]).toMatch(/chmod 600/);
  });

  it('refuses bad JSON, unknown keys and a bad URL with exit code 2', async () => {
    for (const [text, message] of [
      ['{', /not valid JSON/],
      ['{"tokn":"x"}', /allowed keys: url, token, phone/],
      ['{"url":"not a url"}', /"url" must be a URL/],
    ] as const) {
      await expect(loadClientConfig(await file(text))).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(message) as unknown,
      });
    }
  });
});
