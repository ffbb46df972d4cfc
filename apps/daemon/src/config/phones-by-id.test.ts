import { describe, expect, it } from 'vitest';
import { phoneConfig } from './config-schema.js';
import type { PhoneConfig } from './config-schema.js';
import { configuredPhone } from './phones-by-id.js';

const phone = (id: string, host = '127.0.0.2'): PhoneConfig =>
  phoneConfig({ id, name: id, host, model: 'snom360', secret: 'secret-secret' });

describe('configuredPhone', () => {
  it('finds a phone of the list by id, and nothing for an unknown id', () => {
    const phones = [phone('a'), phone('b'), phone('c')];
    expect(configuredPhone(phones, 'b')).toBe(phones[1]);
    expect(configuredPhone(phones, 'c')).toBe(phones[2]);
    expect(configuredPhone(phones, 'x')).toBeUndefined();
    expect(configuredPhone(phones, '')).toBeUndefined();
  });

  it('answers from the list it is given: a replaced list (a config change) is never stale', () => {
    const before = [phone('a', '127.0.0.2'), phone('b')];
    expect(configuredPhone(before, 'a')?.host).toBe('127.0.0.2');
    const after = [phone('a', '127.0.0.9')];
    expect(configuredPhone(after, 'a')?.host).toBe('127.0.0.9');
    expect(configuredPhone(after, 'b')).toBeUndefined();
    // The old list still answers as it was (a request that read it before the change).
    expect(configuredPhone(before, 'b')).toBe(before[1]);
  });

  it('works on the empty list', () => {
    expect(configuredPhone([], 'a')).toBeUndefined();
  });
});
