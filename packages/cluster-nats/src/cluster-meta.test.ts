import { describe, expect, it } from 'vitest';
import { checkMeta, parseMeta } from './cluster-meta.js';
import { isClusterConfigError } from './errors.js';

describe('cluster meta', () => {
  it('parses a stored record', () => {
    expect(parseMeta('{"schemaVersion":1,"partitions":64,"leaseTtlMs":10000}')).toEqual({
      schemaVersion: 1,
      partitions: 64,
      leaseTtlMs: 10_000,
    });
  });

  it('refuses malformed records with a ClusterConfigError', () => {
    for (const text of [
      'nope',
      'null',
      '{"schemaVersion":1}',
      '{"schemaVersion":1.5,"partitions":64,"leaseTtlMs":1}',
    ]) {
      expect(() => parseMeta(text)).toThrow(/meta record/);
      try {
        parseMeta(text);
      } catch (e) {
        expect(isClusterConfigError(e)).toBe(true);
      }
    }
  });

  it('refuses a newer schema version, accepts the same or an older one', () => {
    expect(() => {
      checkMeta({ schemaVersion: 2, partitions: 64, leaseTtlMs: 1 }, 1);
    }).toThrow(/newer than this daemon/);
    expect(() => {
      checkMeta({ schemaVersion: 1, partitions: 64, leaseTtlMs: 1 }, 1);
    }).not.toThrow();
  });
});
