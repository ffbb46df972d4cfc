import type { ActionEvent } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import type { StoredInput } from './cluster-types.js';
import { applyStoredInput, emptySnapshot } from './reduce-step.js';
import { parseStoredInput } from './stored-input.js';

function stored(phoneId: string, input: StoredInput['input'], receivedAt: number): StoredInput {
  return { phoneId, input, receivedAt, via: 'n' };
}

function incoming(phoneId: string, callId: string, at: number): ActionEvent {
  return {
    phoneId,
    kind: 'incoming',
    source: 'action-url',
    receivedAt: at,
    params: { callId, remote: 'sip:1@x' },
  };
}

describe('applyStoredInput', () => {
  it('uses max(lastNow, receivedAt): a daemon whose clock is behind never moves a line back', () => {
    const first = applyStoredInput(
      emptySnapshot('p1'),
      stored('p1', incoming('p1', 'a', 0), 10_000),
      1,
    );
    expect(first?.snapshot.lastNow).toBe(10_000);
    const late = applyStoredInput(
      first!.snapshot,
      stored('p1', { ...incoming('p1', 'a', 0), kind: 'connected' }, 4_000),
      2,
    );
    expect(late?.snapshot.lastNow).toBe(10_000);
    expect(late?.record?.changes[0]).toMatchObject({ type: 'call-state' });
    const call = late!.snapshot.state.calls['a'];
    expect(call).toMatchObject({ state: 'connected', connectedAt: 10_000, lastEventAt: 10_000 });
  });

  it('skips an input at or below lastSeq and reports a no-op without a record', () => {
    const step = applyStoredInput(emptySnapshot('p1'), stored('p1', { kind: 'tick' }, 5), 3);
    expect(step?.record).toBeNull();
    expect(step?.snapshot).toMatchObject({ lastSeq: 3, lastNow: 5 });
    expect(applyStoredInput(step!.snapshot, stored('p1', { kind: 'tick' }, 6), 3)).toBeNull();
    expect(applyStoredInput(step!.snapshot, stored('p1', { kind: 'tick' }, 6), 2)).toBeNull();
  });

  it('gives the same record for a snapshot rebuilt from JSON', () => {
    const a = applyStoredInput(emptySnapshot('p1'), stored('p1', incoming('p1', 'a', 0), 100), 1)!;
    const copy = JSON.parse(JSON.stringify(a.snapshot)) as typeof a.snapshot;
    const input = stored('p1', { ...incoming('p1', 'a', 0), kind: 'connected' }, 200);
    expect(applyStoredInput(copy, input, 2)).toEqual(applyStoredInput(a.snapshot, input, 2));
  });
});

describe('parseStoredInput', () => {
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

  it('accepts each input kind the reducer knows', () => {
    for (const input of [
      { kind: 'tick' },
      { kind: 'forwarding-target', mode: 'always', target: '200' },
      { kind: 'directory-name', callId: 'c', party: 'callerId', number: '1', name: null },
      incoming('p1', 'c', 1),
    ]) {
      expect(
        parseStoredInput(enc({ phoneId: 'p1', input, receivedAt: 1, via: 'n' }), 'p1'),
      ).not.toBeNull();
    }
  });

  it('refuses a body for another phone, bad JSON, a bad time or an unknown input', () => {
    const ok = { phoneId: 'p1', input: { kind: 'tick' }, receivedAt: 1 };
    expect(parseStoredInput(enc(ok), 'p2')).toBeNull();
    expect(parseStoredInput(new TextEncoder().encode('{'), 'p1')).toBeNull();
    expect(parseStoredInput(enc({ ...ok, receivedAt: 'x' }), 'p1')).toBeNull();
    expect(parseStoredInput(enc({ ...ok, input: { kind: 'format-disk' } }), 'p1')).toBeNull();
    expect(parseStoredInput(enc({ ...ok, input: incoming('p2', 'c', 1) }), 'p1')).toBeNull();
    expect(
      parseStoredInput(
        enc({
          ...ok,
          input: { kind: 'directory-name', callId: 'c', party: 'x', number: '1', name: null },
        }),
        'p1',
      ),
    ).toBeNull();
  });
});
