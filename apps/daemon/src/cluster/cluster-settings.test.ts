import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { configSchema } from '../config/config-schema.js';
import {
  ClusterSettingsError,
  nodeIdFromHostName,
  parseClusterServers,
  resolveClusterSettings,
} from './cluster-settings.js';

describe('parseClusterServers', () => {
  it('splits a comma list and assumes nats://', () => {
    expect(parseClusterServers('nats://a:4222, b:4223 ,tls://c.example:4222')).toEqual([
      'nats://a:4222',
      'nats://b:4223',
      'tls://c.example:4222',
    ]);
  });

  it('refuses an empty list and garbage with the bad entry named', () => {
    expect(() => parseClusterServers(' , ')).toThrow(ClusterSettingsError);
    expect(() => parseClusterServers('nats://a:4222,http://b/x')).toThrow(/"http:\/\/b\/x"/);
    expect(() => parseClusterServers('nats://a b:4222')).toThrow(ClusterSettingsError);
  });
});

describe('resolveClusterSettings', () => {
  it('is null without servers: the daemon runs alone', () => {
    expect(resolveClusterSettings({}, undefined, 'host')).toBeNull();
  });

  it('refuses --node-id without cluster mode', () => {
    expect(() => resolveClusterSettings({ nodeId: 'd1' }, undefined, 'h')).toThrow(/--node-id/);
  });

  it('takes the command line over the config section and defaults the node id to the host', () => {
    const section = { servers: ['nats://file:4222'], prefix: 'site1', leaseTtlMs: 3000 };
    expect(resolveClusterSettings({}, section, 'pbx-01.example.org')).toEqual({
      servers: ['nats://file:4222'],
      prefix: 'site1',
      leaseTtlMs: 3000,
      nodeId: 'pbx-01',
    });
    expect(
      resolveClusterSettings({ servers: ['nats://cli:4222'], nodeId: 'd2' }, section, 'h'),
    ).toMatchObject({ servers: ['nats://cli:4222'], nodeId: 'd2', prefix: 'site1' });
  });

  it('refuses a node id that cannot be a subject token', () => {
    expect(() =>
      resolveClusterSettings({ servers: ['nats://a:1'], nodeId: 'a.b' }, undefined, 'h'),
    ).toThrow(ClusterSettingsError);
  });

  it('cleans a host name into a node id', () => {
    expect(nodeIdFromHostName('my host.local')).toBe('my-host');
    expect(nodeIdFromHostName('')).toBe('snomlink');
  });
});

describe('the cluster config section', () => {
  it('validates servers, credentials and TLS', () => {
    const ok = v.safeParse(configSchema, {
      cluster: {
        servers: ['nats://n1:4222'],
        credentials: { user: 'u', pass: 'p' },
        tls: { caFile: '/etc/ca.pem' },
      },
    });
    expect(ok.success).toBe(true);
    for (const cluster of [
      { servers: [] },
      { servers: ['http://x'] },
      { servers: ['nats://n1:4222'], credentials: { user: 'u', pass: 'p', token: 't' } },
      { servers: ['nats://n1:4222'], nodeId: 'bad id' },
    ]) {
      expect(v.safeParse(configSchema, { cluster }).success).toBe(false);
    }
  });
});
