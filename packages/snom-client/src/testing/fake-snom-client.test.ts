import { describe, expect, it } from 'vitest';
import { SnomTimeoutError } from '../errors.js';
import { createFakeSnomClient } from './fake-snom-client.js';

describe('createFakeSnomClient', () => {
  it('records calls, keeps settings and log, and fails on demand', async () => {
    const fake = createFakeSnomClient({ log: 'a\n' });
    await fake.dial('201', { identity: 'x@y' });
    await fake.writeSettings({ k: 'v' });
    expect(await fake.readSettings()).toEqual({ k: 'v' });
    fake.appendLog('b\n');
    expect(await fake.readLog()).toBe('a\nb\n');
    await fake.clearLog();
    expect(await fake.readLog()).toBe('');
    const timeout = new SnomTimeoutError('slow', 5000, { phoneHost: '127.0.0.1' });
    fake.failNext('readLog', timeout);
    await expect(fake.readLog()).rejects.toBe(timeout);
    await expect(fake.readLog()).resolves.toBe('');
    expect(fake.calls.map((c) => c.method)).toEqual([
      'dial',
      'writeSettings',
      'readSettings',
      'readLog',
      'clearLog',
      'readLog',
      'readLog',
      'readLog',
    ]);
    expect(fake.calls[0]?.args).toEqual(['201', { identity: 'x@y' }]);
  });
});
