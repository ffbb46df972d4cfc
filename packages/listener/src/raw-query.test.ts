import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeParseActionEvent } from '@snomlink/core';
import {
  PARAM_MAX_LENGTH,
  decodeRawValue,
  splitActionQuery,
  toActionEventParams,
} from './raw-query.js';

describe('splitActionQuery', () => {
  it('takes dr= to the end of the query, & # = and spaces included', () => {
    const q = splitActionQuery('k=s&cid=1&dr=A&B #2 = x&k=evil');
    expect(q.secret).toBe('s');
    expect(q.values).toEqual({ cid: '1', dr: 'A&B #2 = x&k=evil' });
  });

  it('keeps + and the first occurrence of each key; ignores unknown keys and bare keys', () => {
    const q = splitActionQuery('remote=sip:+49301@x&remote=sip:2@x&foo=bar&n&user=201');
    expect(q.values).toEqual({ remote: 'sip:+49301@x', user: '201' });
  });

  it('does not treat a key that merely ends in dr as dr', () => {
    expect(splitActionQuery('addr=x&k=s').values).toEqual({});
    expect(splitActionQuery('addr=x&k=s').secret).toBe('s');
  });

  it('never throws and never yields inherited keys', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (query) => {
        const q = splitActionQuery(query);
        for (const key of Object.keys(q.values)) {
          expect(['cid', 'n', 'user', 'local', 'remote', 'dr']).toContain(key);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeRawValue', () => {
  it.each([
    ['Jörg', 'J%C3%B6rg'],
    ['Jörg', 'J%F6rg'], // Latin-1 byte: not valid UTF-8
    ['100%', '100%'],
    ['%zz %4', '%zz %4'],
    ['a+b', 'a+b'],
    ['a b', 'a%20b'],
    ['€', '%E2%82%AC'],
    ['â\u0082', '%E2%82'], // truncated UTF-8: read as Latin-1, C1 control replaced below
  ])('decodes to %j from %j', (expected, raw) => {
    expect(decodeRawValue(raw)).toBe(expected.replace(/[\u0080-\u009f]/g, ' '));
  });

  it('round-trips any text that was percent-encoded as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        // eslint-disable-next-line no-control-regex
        const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
        expect(decodeRawValue(encodeURIComponent(text))).toBe(clean);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => {
        expect(typeof decodeRawValue(raw)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('toActionEventParams', () => {
  it('maps query keys to event params and converts n', () => {
    expect(
      toActionEventParams({
        cid: 'abc@pbx',
        n: '2',
        user: '201',
        local: 'sip:201@pbx',
        remote: 'sip:+4930123@pbx',
        dr: 'Anna%20M%C3%BCller',
      }),
    ).toEqual({
      success: true,
      params: {
        callId: 'abc@pbx',
        nrOngoingCalls: 2,
        activeUser: '201',
        local: 'sip:201@pbx',
        remote: 'sip:+4930123@pbx',
        displayRemote: 'Anna Müller',
      },
    });
  });

  it('leaves out empty values and unexpanded $variables, but keeps other $ text', () => {
    expect(
      toActionEventParams({
        cid: '$call-id',
        n: '$nr_ongoing_calls',
        user: '',
        local: '$local',
        remote: '$remote',
        dr: '$money',
      }),
    ).toEqual({ success: true, params: { displayRemote: '$money' } });
  });

  it('rejects a non-numeric n', () => {
    const result = toActionEventParams({ n: 'two' });
    expect(result.success).toBe(false);
  });
});

describe('PARAM_MAX_LENGTH', () => {
  it.each(Object.entries(PARAM_MAX_LENGTH))(
    '%s matches core actionEventParamsSchema',
    (field, max) => {
      const event = (value: string): unknown => ({
        phoneId: 'p',
        kind: 'incoming',
        source: 'action-url',
        receivedAt: 0,
        params: { [field]: value },
      });
      expect(safeParseActionEvent(event('x'.repeat(max))).success).toBe(true);
      expect(safeParseActionEvent(event('x'.repeat(max + 1))).success).toBe(false);
    },
  );

  it('n bounds match the schema', () => {
    expect(toActionEventParams({ n: '1000' })).toEqual({
      success: true,
      params: { nrOngoingCalls: 1000 },
    });
    expect(toActionEventParams({ n: '1001' }).success).toBe(false);
  });
});
