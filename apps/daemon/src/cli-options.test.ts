import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions, parseHostPort } from './cli-options.js';

describe('CLI options', () => {
  it('parses HOST:PORT, :PORT and PORT', () => {
    expect(parseHostPort('0.0.0.0:8080', 'x', '--listen')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseHostPort(':9000', '127.0.0.1', '--admin')).toEqual({
      host: '127.0.0.1',
      port: 9000,
    });
    expect(parseHostPort('9000', '127.0.0.1', '--admin')).toEqual({
      host: '127.0.0.1',
      port: 9000,
    });
    expect(parseHostPort('[::1]:80', 'x', '--admin')).toEqual({ host: '::1', port: 80 });
    expect(() => parseHostPort('host:99999', 'x', '--listen')).toThrow(CliUsageError);
    expect(() => parseHostPort('http://x:1', 'x', '--listen')).toThrow(
      /--listen must be HOST:PORT/,
    );
  });

  it('takes flags over SNOMLINK_* variables and defaults the demo to its own data dir', () => {
    const fromEnv = parseCliOptions(
      [],
      { SNOMLINK_LISTEN: '127.0.0.1:1', SNOMLINK_DEMO: '1' },
      '/w',
    );
    expect(fromEnv.listen).toEqual({ host: '127.0.0.1', port: 1 });
    expect(fromEnv.demo).toBe(true);
    expect(fromEnv.dataDir).toBe('/w/.snomlink-demo');
    expect(fromEnv.configFile).toBe('/w/.snomlink-demo/config.json');
    const flags = parseCliOptions(
      ['--listen', '127.0.0.1:2', '--data-dir', 'd'],
      { SNOMLINK_LISTEN: '127.0.0.1:1' },
      '/w',
    );
    expect(flags.listen?.port).toBe(2);
    expect(flags.demo).toBe(false);
    expect(flags.configFile).toBe('/w/d/config.json');
  });

  it('refuses unknown flags and bad log levels', () => {
    expect(() => parseCliOptions(['--nope'], {}, '/w')).toThrow(CliUsageError);
    expect(() => parseCliOptions(['--log-level', 'loud'], {}, '/w')).toThrow(/--log-level/);
  });

  it('reads --cluster and --node-id over SNOMLINK_CLUSTER / SNOMLINK_NODE_ID', () => {
    expect(parseCliOptions([], {}, '/w').cluster).toEqual({});
    expect(
      parseCliOptions([], { SNOMLINK_CLUSTER: 'n1:4222,nats://n2:4222' }, '/w').cluster,
    ).toEqual({ servers: ['nats://n1:4222', 'nats://n2:4222'] });
    expect(
      parseCliOptions(
        ['--cluster', 'nats://a:1', '--node-id', 'd1'],
        { SNOMLINK_CLUSTER: 'nats://b:2', SNOMLINK_NODE_ID: 'env' },
        '/w',
      ).cluster,
    ).toEqual({ servers: ['nats://a:1'], nodeId: 'd1' });
    expect(() => parseCliOptions(['--cluster', 'http://x/'], {}, '/w')).toThrow(CliUsageError);
  });
});
