import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { phoneInputSchema, phoneUpdateSchema, phoneViewSchema, webhookSchema } from './index.js';

describe('api schemas', () => {
  it('accepts a minimal phone and rejects an id that would break the Action URL path', () => {
    expect(v.safeParse(phoneInputSchema, { id: 'desk-201', host: '192.168.1.20' }).success).toBe(
      true,
    );
    const bad = v.safeParse(phoneInputSchema, { id: 'a/b', host: '192.168.1.20' });
    expect(bad.success).toBe(false);
  });

  it('rejects a host with a scheme', () => {
    expect(v.safeParse(phoneInputSchema, { id: 'p1', host: 'http://x' }).success).toBe(false);
  });

  it('has no password or secret field in the phone view', () => {
    const keys = Object.keys(phoneViewSchema.entries);
    expect(keys).toContain('hasPassword');
    expect(keys).not.toContain('password');
    expect(keys).not.toContain('secret');
  });

  it('lets an update omit every field', () => {
    expect(v.safeParse(phoneUpdateSchema, {}).success).toBe(true);
  });

  it('defaults a webhook to POST and enabled', () => {
    const out = v.parse(webhookSchema, {
      id: 'w1',
      event: 'call-finished',
      url: 'http://127.0.0.1:9/x?n={number}',
    });
    expect(out.method).toBe('POST');
    expect(out.enabled).toBe(true);
  });
});
