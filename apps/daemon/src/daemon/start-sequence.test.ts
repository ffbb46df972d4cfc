import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { adminLocation, bindPorts } from './start-sequence.js';

/** Parts that record what was done to them, in order. */
function parts(fail: { admin?: boolean; listener?: boolean } = {}) {
  const log: string[] = [];
  return {
    log,
    options: {
      app: new Hono(),
      adminHost: '127.0.0.1',
      adminPort: 0,
      adminServer: {
        listen: () => {
          log.push('admin listen');
          return fail.admin === true
            ? Promise.reject(new Error('admin port taken'))
            : Promise.resolve(8090);
        },
        close: () => {
          log.push('admin close');
          return Promise.resolve();
        },
      },
      listener: {
        startAtBoot: () => {
          log.push('listener start');
          return fail.listener === true
            ? Promise.reject(new Error('listener port taken'))
            : Promise.resolve({} as never);
        },
      },
      integrations: {
        close: () => {
          log.push('integrations close');
          return Promise.resolve();
        },
      },
    },
  };
}

describe('bindPorts', () => {
  it('binds the admin API, then the listener, and returns the admin port', async () => {
    const { log, options } = parts();
    await expect(bindPorts(options)).resolves.toBe(8090);
    expect(log).toEqual(['admin listen', 'listener start']);
  });

  it('a refused listener closes the admin server and the integrations, then rethrows', async () => {
    const { log, options } = parts({ listener: true });
    await expect(bindPorts(options)).rejects.toThrow('listener port taken');
    expect(log).toEqual(['admin listen', 'listener start', 'admin close', 'integrations close']);
  });

  it('a refused admin port closes the integrations and never starts the listener', async () => {
    const { log, options } = parts({ admin: true });
    await expect(bindPorts(options)).rejects.toThrow('admin port taken');
    expect(log).toEqual(['admin listen', 'integrations close']);
  });
});

describe('adminLocation', () => {
  it('names a wildcard host as loopback, brackets IPv6 and encodes the token', () => {
    expect(adminLocation('0.0.0.0', 8090, 'a b')).toEqual({
      address: '127.0.0.1:8090',
      url: 'http://127.0.0.1:8090/?token=a%20b',
    });
    expect(adminLocation('::1', 9000, 't')).toEqual({
      address: '[::1]:9000',
      url: 'http://[::1]:9000/?token=t',
    });
    expect(adminLocation('192.168.1.5', 80, 't').address).toBe('192.168.1.5:80');
  });
});
