import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIAL_RULES, createEventHub, type SnomlinkEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTapiBridge } from './tapi-bridge.js';
import { makeCall } from './testing/make-call.js';
import { startTapiTestServer } from './testing/serve-tapi.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('snomlink-tapi-monitor', () => {
  it('opens the chosen line and prints each state change on one line', async () => {
    const hub = createEventHub<SnomlinkEvent>();
    const bridge = createTapiBridge({
      lines: [
        { id: 'p1', name: 'Desk', model: 'snom360' },
        { id: 'p2', name: 'Other', model: 'snom360' },
      ],
      hub,
      clientFor: () => undefined,
      dialRules: DEFAULT_DIAL_RULES,
    });
    const server = await startTapiTestServer({ bridge, token: 'T0k' });
    cleanups.push(() => server.close());

    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, '--url', server.url, '--token', 'T0k', '--line', 'p1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanups.push(() => {
      child.kill('SIGKILL');
    });
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.splice(0)) w();
    });
    const waitLine = async (re: RegExp): Promise<string> => {
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return hit;
        await new Promise<void>((r) => waiters.push(r));
      }
    };

    await waitLine(/ p1 OPEN 0 live call/);
    hub.publish({
      type: 'call-state',
      call: makeCall({ id: 'other', phoneId: 'p2' }),
      previousState: null,
    });
    hub.publish({
      type: 'call-state',
      call: makeCall({ id: 'm1', phoneId: 'p1' }),
      previousState: null,
    });
    const offering = await waitLine(/call=m1 OFFERING/);
    expect(offering).toMatch(
      /state=0x00000002 mode=0x00000001 from=\+4930123456 "Anna Müller" to=201/,
    );
    hub.publish({
      type: 'call-state',
      call: makeCall({ id: 'm1', phoneId: 'p1', state: 'connected' }),
      previousState: 'offering',
    });
    await waitLine(/call=m1 CONNECTED state=0x00000100/);
    expect(lines.some((l) => l.includes('call=other'))).toBe(false);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);

  it('exits 1 instead of looping when the daemon refuses the token on a reconnect', async () => {
    const bridge = createTapiBridge({
      lines: [{ id: 'p1', name: 'Desk', model: 'snom360' }],
      hub: createEventHub<SnomlinkEvent>(),
      clientFor: () => undefined,
      dialRules: DEFAULT_DIAL_RULES,
    });
    const first = await startTapiTestServer({ bridge, token: 'T0k' });
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, '--url', first.url, '--token', 'T0k', '--line', 'p1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => {
      child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    const opened = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/ p1 OPEN /.test(stdout)) resolve();
      });
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await opened;
    // The daemon restarts on the same port with a rotated token.
    await first.close();
    const second = await startTapiTestServer({ bridge, token: 'rotated', port: first.port });
    cleanups.push(() => second.close());
    expect(await exited).toBe(1);
    expect(stdout).toMatch(/-- disconnected \(code \d+\); reconnecting/);
    expect(stderr).toMatch(
      /error: .* answered HTTP 401 instead of upgrading \(wrong or missing token\)/,
    );
  }, 30_000);
});
