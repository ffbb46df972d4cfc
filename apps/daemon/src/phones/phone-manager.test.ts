import { describe, expect, it } from 'vitest';
import { createEventHub } from '@snomlink/core';
import type { LineStatusChange, SnomlinkEvent } from '@snomlink/core';
import { phoneConfig } from '../config/config-schema.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { createPhoneManager, logScanEnabled } from './phone-manager.js';
import { fakePhoneClient } from '../testing/fake-phone-client.js';
import { SnomAuthError, SnomProtocolError } from '@snomlink/snom-client';

/** What snom-client throws on a 401 (the real, branded error, so the daemon's guards see it). */
const authError = (message: string): SnomAuthError =>
  new SnomAuthError(message, 'digest', { phoneHost: '127.0.0.2' });

const phone = (id: string, model = 'snom360'): PhoneConfig =>
  phoneConfig({ id, name: id, host: '127.0.0.2', model, secret: 'secret-secret' });

/** A phone client whose health check answers with `info`. */
const client = fakePhoneClient;

describe('phone manager', () => {
  it('reports a host that answers, but not like a snom phone, as unreachable with that reason', async () => {
    const hub = createEventHub<SnomlinkEvent>();
    const seen: LineStatusChange[] = [];
    hub.subscribe((e) => {
      if (e.type === 'line-status') seen.push(e);
    });
    let garbage = false;
    const manager = createPhoneManager({
      hub,
      healthIntervalMs: 0,
      createClient: () =>
        client(() =>
          garbage
            ? Promise.reject(
                new SnomProtocolError(
                  'phone 127.0.0.2 answered 200 to info.htm but it does not look like a snom info page',
                  200,
                  'Welcome to nginx!',
                  { phoneHost: '127.0.0.2' },
                ),
              )
            : Promise.resolve({ model: 'snom360', mac: '000413000001', firmware: '8.7.5' }),
        ),
    });
    await manager.sync([phone('a')]);
    await manager.check('a');
    garbage = true;
    const result = await manager.check('a');
    expect(result).toMatchObject({ reachable: false, authOk: false, model: null, mac: null });
    expect(result.error).toMatch(
      /^answers, but not like a snom phone: phone 127\.0\.0\.2 answered 200/,
    );
    expect(manager.get('a')?.health).toMatchObject({
      status: 'unreachable',
      model: null,
      firmware: null,
    });
    expect(seen.map((e) => e.status)).toEqual(['reachable', 'unreachable']);
    expect(seen[1]?.detail).toMatch(/^answers, but not like a snom phone: /);
    await manager.stop();
  });

  it('publishes line-status when a check changes a phone between reachable, auth-failed and unreachable', async () => {
    const hub = createEventHub<SnomlinkEvent>();
    const seen: LineStatusChange[] = [];
    hub.subscribe((e) => {
      if (e.type === 'line-status') seen.push(e);
    });
    let mode: 'ok' | 'auth' | 'down' = 'ok';
    const manager = createPhoneManager({
      hub,
      healthIntervalMs: 0,
      createClient: () =>
        client(() => {
          if (mode === 'auth') return Promise.reject(authError('401 from the phone'));
          if (mode === 'down') return Promise.reject(new Error('connect ECONNREFUSED'));
          return Promise.resolve({ model: 'snom360', mac: '000413000001', firmware: '8.7.5' });
        }),
    });
    await manager.sync([phone('a')]);
    expect((await manager.check('a')).reachable).toBe(true);
    expect(manager.get('a')?.health).toMatchObject({ status: 'reachable', model: 'snom360' });
    mode = 'auth';
    expect(await manager.check('a')).toMatchObject({ reachable: true, authOk: false });
    mode = 'down';
    expect(await manager.check('a')).toMatchObject({
      reachable: false,
      error: 'connect ECONNREFUSED',
    });
    await manager.check('a'); // no change, no event
    expect(seen.map((e) => e.status)).toEqual(['reachable', 'auth-failed', 'unreachable']);
    await manager.sync([]);
    expect(seen.at(-1)?.status).toBe('removed');
    await manager.stop();
  });

  it('starts a log scanner only for parameterless phones unless configured', async () => {
    expect(logScanEnabled(phone('a', 'snom190'))).toBe(true);
    expect(logScanEnabled(phone('b', 'snom360'))).toBe(false);
    expect(logScanEnabled({ ...phone('c', 'snom360'), logScan: true })).toBe(true);
    const scanned: string[] = [];
    const manager = createPhoneManager({
      hub: createEventHub<SnomlinkEvent>(),
      healthIntervalMs: 0,
      createClient: () => client(() => Promise.resolve({ model: null, mac: null, firmware: null })),
      createScanner: (p) => {
        scanned.push(p.id);
        return { notify: () => undefined, stop: () => Promise.resolve() };
      },
    });
    await manager.sync([phone('old', 'snom190'), phone('new', 'snom360')]);
    expect(scanned).toEqual(['old']);
    await manager.stop();
  });
});
