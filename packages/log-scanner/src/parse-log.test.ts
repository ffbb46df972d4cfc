import { describe, expect, it } from 'vitest';
import { parseLog } from './parse-log.js';
import { parseNameAddr } from './name-addr.js';

describe('parseLog', () => {
  it('reads a plain-text message with direction, time and headers; keeps other lines as text', () => {
    const text = [
      '[5]26/11/2026 23:41:02.131 PHN: Ringing line 1',
      '[5]26/11/2026 23:41:02.123 SIP: Received from udp:127.0.0.1:5060 (412 bytes):',
      'INVITE sip:201@127.0.0.2:5060 SIP/2.0',
      'From: "Anna" <sip:+49301@pbx.example>;tag=1',
      'To: <sip:201@pbx.example>',
      'Call-ID: abc@pbx',
      'CSeq: 314159 INVITE',
      'Content-Type: application/sdp',
      'Content-Length: 20',
      '',
      'v=0',
      'o=- 1 1 IN IP4 1.2.3.4',
      '',
      'something else entirely',
    ].join('\n');
    const { records, issues } = parseLog(text);
    expect(issues).toEqual([]);
    expect(records).toEqual([
      { type: 'text', text: '[5]26/11/2026 23:41:02.131 PHN: Ringing line 1', line: 1 },
      {
        type: 'sip',
        kind: 'request',
        method: 'INVITE',
        requestUri: 'sip:201@127.0.0.2:5060',
        status: null,
        reason: null,
        callId: 'abc@pbx',
        from: '"Anna" <sip:+49301@pbx.example>;tag=1',
        to: '<sip:201@pbx.example>',
        cseq: { seq: 314159, method: 'INVITE' },
        direction: 'received',
        time: '26/11/2026 23:41:02.123',
        line: 3,
      },
      { type: 'text', text: 'something else entirely', line: 14 },
    ]);
  });

  it('accepts caller-supplied message-start patterns for another log format', () => {
    const text = '<<< 10:00:01 from 10.0.0.1\nSIP/2.0 486 Busy Here\ni: x1\nCSeq: 2 INVITE\n\n';
    const def = parseLog(text).records.find((r) => r.type === 'sip');
    expect(def?.type === 'sip' && def.direction).toBe('unknown');
    const custom = parseLog(text, {
      messageStartPatterns: [/^(?<direction><<<|>>>)\s+(?<time>\d\d:\d\d:\d\d)/],
    }).records.find((r) => r.type === 'sip');
    expect(custom).toMatchObject({
      status: 486,
      reason: 'Busy Here',
      callId: 'x1',
      direction: 'received',
      time: '10:00:01',
    });
  });

  it('reports a message without a Call-ID and an announced message that never starts', () => {
    const text = 'SIP: Sent to udp:1.2.3.4 (1 bytes):\nnot sip\nSIP/2.0 200 OK\nCSeq: 1 INVITE\n';
    const kinds = parseLog(text).issues.map((i) => i.kind);
    expect(kinds).toEqual(['incomplete-message', 'missing-call-id']);
  });

  it('skips the rest of a message cut off at the start of a wrapped buffer', () => {
    const text =
      'ag=1\nTo: <sip:201@pbx>\nCall-ID: cut@pbx\nCSeq: 1 INVITE\n\nSIP: Sent to udp:x (1 bytes):\nSIP/2.0 180 Ringing\nCall-ID: ok@pbx\nCSeq: 1 INVITE\n';
    const { records, issues } = parseLog(text);
    expect(issues[0]).toMatchObject({ kind: 'truncated-message', line: 2 });
    expect(records.filter((r) => r.type === 'sip').map((r) => r.callId)).toEqual(['ok@pbx']);
  });

  it('never throws, even for non-strings and hostile regexes', () => {
    expect(parseLog(undefined)).toEqual({ records: [], issues: [] });
    expect(parseLog(42)).toEqual({ records: [], issues: [] });
    const global = /SIP:\s*(?<direction>Sent to)/g;
    const text =
      'SIP: Sent to x:\nBYE sip:a SIP/2.0\ni: 1\nCSeq: 2 BYE\n\nSIP: Sent to x:\nBYE sip:a SIP/2.0\ni: 2\nCSeq: 2 BYE\n';
    const dirs = parseLog(text, { messageStartPatterns: [global] }).records.map(
      (r) => r.type === 'sip' && r.direction,
    );
    expect(dirs).toEqual(['sent', 'sent']);
  });

  it('folds continuation lines into From/To', () => {
    const text =
      'SIP: Received from x:\nINVITE sip:201@h SIP/2.0\nFrom: "Long Name"\n  <sip:1@h>;tag=9\ni: c\nCSeq: 1 INVITE\n';
    const rec = parseLog(text).records[0];
    expect(rec?.type === 'sip' && parseNameAddr(rec.from)).toEqual({
      uri: 'sip:1@h',
      displayName: 'Long Name',
      tag: '9',
    });
  });
});

describe('parseNameAddr', () => {
  it.each([
    [
      '"Anna Müller" <sip:+4930@pbx>;tag=1',
      { uri: 'sip:+4930@pbx', displayName: 'Anna Müller', tag: '1' },
    ],
    ['sip:201@pbx;tag=x', { uri: 'sip:201@pbx', displayName: null, tag: 'x' }],
    ['Bob <sip:2@pbx>', { uri: 'sip:2@pbx', displayName: 'Bob', tag: null }],
    ['"a \\"<b>\\" c" <sip:3@pbx>', { uri: 'sip:3@pbx', displayName: 'a "<b>" c', tag: null }],
  ])('%s', (input, expected) => {
    expect(parseNameAddr(input)).toEqual(expected);
  });
});
