import type { FiredActionUrl } from '@snomlink/snom-simulator';
import { describe, expect, it } from 'vitest';
import type { PlacedCall } from './call-load.js';
import { commandProblems, journalProblems, ownedOnlyBy, quantile, sseProblems } from './checks.js';

function url(status: number | null): FiredActionUrl {
  return {
    seq: 1,
    kind: 'incoming',
    setting: 'action_incoming_url',
    callId: 'x',
    url: '',
    request: '',
    status,
    error: status === null ? 'ECONNREFUSED' : null,
    at: 0,
  };
}

function call(callId: string, statuses: (number | null)[]): PlacedCall {
  return {
    phoneId: 'desk-1',
    callId,
    startedAt: 0,
    urls: statuses.map(url),
    error: null,
    ended: true,
  };
}

describe('journalProblems', () => {
  it('wants accepted calls exactly once, refused ones at most once, no duplicates', () => {
    const calls = [call('a', [200, 200]), call('b', [200, 503]), call('c', [200, null])];
    expect(journalProblems('n1', calls, [{ sipCallId: 'a', phoneId: 'desk-1' }])).toEqual([]);
    expect(journalProblems('n1', calls, [])).toEqual([
      'n1: accepted call a (desk-1) journalled 0 times',
    ]);
    const twice = journalProblems('n1', calls, [
      { sipCallId: 'a', phoneId: 'desk-1' },
      { sipCallId: 'b', phoneId: 'desk-1' },
      { sipCallId: 'b', phoneId: 'desk-1' },
    ]);
    expect(twice).toEqual(['n1: b journalled 2 times']);
  });
});

describe('sseProblems', () => {
  const finished = (id: string, callId: string): { id: string; event: string; data: string } => ({
    id,
    event: 'call',
    data: JSON.stringify({ type: 'call-finished', call: { sipCallId: callId } }),
  });
  it('passes a clean stream and names resyncs, ids going back, repeats and missing calls', () => {
    expect(sseProblems('r', [finished('1', 'a'), finished('2', 'b')], new Set(['a', 'b']))).toEqual(
      [],
    );
    const bad = sseProblems(
      'r',
      [
        finished('5', 'a'),
        finished('5', 'a'),
        finished('3', 'c'),
        { id: null, event: 'resync', data: '{}' },
      ],
      new Set(['a', 'b']),
    );
    expect(bad).toEqual([
      'r: message 5 call delivered twice',
      'r: id went back from 5 to 3',
      'r: resync {}',
      'r: call-finished of a seen 2 times',
      'r: call-finished of b seen 0 times',
    ]);
    const many = sseProblems(
      'r',
      [finished('9', 'z'), ...['1', '2', '3', '4', '5'].map((id) => finished(id, `c${id}`))],
      new Set(),
    );
    expect(many).toEqual([
      'r: id went back from 9 to 1',
      'r: id went back from 9 to 2',
      'r: id went back from 9 to 3',
      'r: … and 2 more like that',
    ]);
  });
});

describe('commandProblems', () => {
  it('wants a 200 dial exactly once on the phone and any other at most once', () => {
    const dials = [
      { phoneId: 'p', number: '1', status: 200, via: 'n1' },
      { phoneId: 'p', number: '2', status: 503, via: 'n2' },
    ];
    expect(commandProblems(dials, (_, n) => (n === '1' ? 1 : 0))).toEqual([]);
    expect(commandProblems(dials, () => 2)).toHaveLength(2);
    expect(commandProblems(dials, () => 0)).toEqual([
      'dial 1 on p via n1 answered 200, phone got it 0 times',
    ]);
  });
});

describe('ownedOnlyBy and quantile', () => {
  it('checks owners against live members', () => {
    expect(ownedOnlyBy(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(ownedOnlyBy(['a', null], ['a'])).toBe(false);
    expect(ownedOnlyBy(['a', 'c'], ['a'])).toBe(false);
    expect(ownedOnlyBy([], ['a'])).toBe(false);
  });
  it('takes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
