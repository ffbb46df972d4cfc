import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PHONE_SERVER_LIMITS } from '@snomlink/listener';
import { configSchema } from './config-schema.js';

const TOKEN = { admin: { token: '0123456789abcdef' } };

function issues(input: unknown): string[] {
  const result = v.safeParse(configSchema, input);
  return result.success ? [] : result.issues.map((i) => `${v.getDotPath(i) ?? ''}: ${i.message}`);
}

describe('listener.limits, mqtt and notify in the config schema', () => {
  it('fills the listener limits with the listener defaults, rate limiter off; mqtt and notify absent', () => {
    const config = v.parse(configSchema, TOKEN);
    expect(config.listener.limits).toEqual({
      ...DEFAULT_PHONE_SERVER_LIMITS,
      maxUrlLength: 8192,
      rateLimit: false,
    });
    expect(config.mqtt).toBeUndefined();
    expect(config.notify).toBeUndefined();
  });

  it('takes a rate limiter and refuses nonsense limits with the path and a hint', () => {
    const config = v.parse(configSchema, {
      ...TOKEN,
      listener: { limits: { maxConnectionsPerSource: 4, rateLimit: { perSecond: 5 } } },
    });
    expect(config.listener.limits.rateLimit).toEqual({ perSecond: 5, burst: 40 });
    expect(config.listener.limits.maxConnectionsPerSource).toBe(4);
    expect(issues({ ...TOKEN, listener: { limits: { maxConnectionsPerSource: 0 } } })).toEqual([
      'listener.limits.maxConnectionsPerSource: listener.limits.maxConnectionsPerSource must be at least 1',
    ]);
    expect(
      v.parse(configSchema, { ...TOKEN, listener: { limits: { balancerAddresses: ['10.0.0.5'] } } })
        .listener.limits.balancerAddresses,
    ).toEqual(['10.0.0.5']);
    expect(
      issues({ ...TOKEN, listener: { limits: { balancerAddresses: ['lb.example'] } } }).join(),
    ).toMatch(/balancerAddresses must list IP addresses/);
    expect(issues({ ...TOKEN, listener: { limits: { rateLimit: true } } }).join()).toMatch(
      /rateLimit must be false or/,
    );
  });

  it('mqtt: commands off by default, discovery on, bad URLs refused', () => {
    const config = v.parse(configSchema, { ...TOKEN, mqtt: { url: 'mqtt://127.0.0.1:1883' } });
    expect(config.mqtt).toMatchObject({
      enabled: true,
      topicPrefix: 'snomlink',
      discoveryPrefix: 'homeassistant',
      commands: { dial: false, dnd: false },
      maxQueue: 1000,
    });
    expect(issues({ ...TOKEN, mqtt: { url: 'http://broker' } }).join()).toMatch(
      /mqtt\.url must be mqtt:\/\/host:1883/,
    );
  });

  it('notify.email: needs a sender; recipients, if any, with valid addresses', () => {
    const email = {
      smtp: { host: 'mail.example.com' },
      from: 'pbx@example.com',
      recipients: [{ email: 'anna@example.com', lines: ['desk'] }],
    };
    const config = v.parse(configSchema, { ...TOKEN, notify: { email } });
    expect(config.notify?.email).toMatchObject({
      enabled: true,
      batchDelayMs: 10_000,
      retryAttempts: 5,
    });
    // No line recipients is fine: users with an `email` get the mail of their lines.
    const { recipients: _r, ...withoutRecipients } = email;
    expect(
      v.parse(configSchema, { ...TOKEN, notify: { email: withoutRecipients } }).notify?.email
        ?.recipients,
    ).toEqual([]);
    expect(
      issues({ ...TOKEN, notify: { email: { ...email, recipients: [{ email: 'x' }] } } }).join(),
    ).toMatch(/recipients/);
    expect(issues({ ...TOKEN, notify: { email: { ...email, from: 'nobody' } } }).join()).toMatch(
      /notify\.email\.from must be an e-mail address/,
    );
  });
});
