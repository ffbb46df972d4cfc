/**
 * The files in packaging/ checked by the tools that consume them: the systemd unit by
 * `systemd-analyze verify`, the desktop entry by `desktop-file-validate`. Each check runs when
 * its tool is installed and is skipped loudly otherwise (on CI a missing tool fails).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_BIN, REPO_ROOT } from './harness/daemon-process.js';

const UNIT = join(REPO_ROOT, 'packaging/systemd/snomlink.service');
const LOW_PORT = join(REPO_ROOT, 'packaging/systemd/low-port.conf');
const DESKTOP = join(REPO_ROOT, 'packaging/desktop/snomlink-dial.desktop');

/** The absolute path of `tool`, or null (then the check is skipped, or fails on CI). */
function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
}

function toolOrSkip(tool: string): string | null {
  const path = which(tool);
  if (path === null) {
    if (process.env['CI']) throw new Error(`${tool} is missing on CI; install it`);
    console.warn(`\n!!! SKIPPED: ${tool} is not installed, so packaging/ is not checked by it\n`);
  }
  return path;
}

const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/**
 * A copy of the unit (and drop-ins) in a temp unit directory, with ExecStart pointing at this
 * machine's node and the built daemon: verify checks that the executable exists, and
 * /opt/snomlink is where an operator installs it, not where the repository is.
 */
async function unitDir(unitText: string, dropIns: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-unit-'));
  temps.push(dir);
  const execStart = /^ExecStart=\/usr\/bin\/node \/opt\/snomlink\/apps\/daemon\/dist\/cli\.js$/m;
  expect(unitText).toMatch(execStart);
  await writeFile(
    join(dir, 'snomlink.service'),
    unitText.replace(execStart, `ExecStart=${process.execPath} ${DAEMON_BIN}`),
  );
  if (Object.keys(dropIns).length > 0) {
    await mkdir(join(dir, 'snomlink.service.d'));
    for (const [name, text] of Object.entries(dropIns))
      await writeFile(join(dir, 'snomlink.service.d', name), text);
  }
  return dir;
}

/** `systemd-analyze verify`: exit code and every warning (it exits 0 on unknown keys). */
function verify(tool: string, dir: string): { status: number | null; output: string } {
  const r = spawnSync(tool, ['verify', join(dir, 'snomlink.service')], {
    encoding: 'utf8',
    // `dir:` = this directory first, then the default search path (for the units we name).
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
    cwd: dir,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe('packaging/systemd/snomlink.service', () => {
  it('declares the hardening the operations docs promise', async () => {
    const text = await readFile(UNIT, 'utf8');
    for (const line of [
      'User=snomlink',
      'StateDirectory=snomlink',
      'ConfigurationDirectory=snomlink',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'Restart=on-failure',
      'RestartPreventExitStatus=2',
      // No capability by default; the low-port drop-in adds the one it needs.
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
    ])
      expect(text.split('\n')).toContain(line);
    expect(text).not.toMatch(/^[^#]*CAP_NET_BIND_SERVICE/m);
    const dropIn = await readFile(LOW_PORT, 'utf8');
    expect(dropIn.split('\n')).toContain('AmbientCapabilities=CAP_NET_BIND_SERVICE');
  });

  it('passes systemd-analyze verify without a warning, alone and with the low-port drop-in', async () => {
    const tool = toolOrSkip('systemd-analyze');
    if (tool === null) return;
    expect(existsSync(DAEMON_BIN), `${DAEMON_BIN} missing: build first`).toBe(true);
    const text = await readFile(UNIT, 'utf8');
    expect(verify(tool, await unitDir(text))).toEqual({ status: 0, output: '' });
    const withDropIn = await unitDir(text, { 'low-port.conf': await readFile(LOW_PORT, 'utf8') });
    expect(verify(tool, withDropIn)).toEqual({ status: 0, output: '' });
  });

  it('the verify check notices a broken unit (so the clean result above means something)', async () => {
    const tool = toolOrSkip('systemd-analyze');
    if (tool === null) return;
    const text = await readFile(UNIT, 'utf8');
    const broken = await unitDir(text.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    expect(verify(tool, broken).output).toMatch(/Unknown key 'NoNewPrivilege'/);
  });
});

describe('packaging/desktop/snomlink-dial.desktop', () => {
  it('registers `snomlink dial %u` for tel: and callto: links', async () => {
    const lines = (await readFile(DESKTOP, 'utf8')).split('\n');
    expect(lines).toContain('Exec=snomlink dial %u');
    expect(lines).toContain('MimeType=x-scheme-handler/tel;x-scheme-handler/callto;');
  });

  it('passes desktop-file-validate', () => {
    const tool = toolOrSkip('desktop-file-validate');
    if (tool === null) return;
    const r = spawnSync(tool, [DESKTOP], { encoding: 'utf8' });
    expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  });
});
