import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipWithoutNats } from './nats-guard.js';

const saved = process.env['NATS_SERVER_BIN'];
afterEach(() => {
  if (saved === undefined) delete process.env['NATS_SERVER_BIN'];
  else process.env['NATS_SERVER_BIN'] = saved;
  vi.restoreAllMocks();
});

describe('skipWithoutNats', () => {
  it('throws under CI and warns loudly by hand when nats-server is missing', () => {
    process.env['NATS_SERVER_BIN'] = '';
    expect(() => skipWithoutNats('suite', { CI: 'true' })).toThrow(/missing under CI/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(skipWithoutNats('suite', {})).toBe(true);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/SKIPPING suite/);
  });

  it('does not skip when the binary is there', () => {
    process.env['NATS_SERVER_BIN'] = process.execPath;
    expect(skipWithoutNats('suite', { CI: 'true' })).toBe(false);
  });
});
