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
});
