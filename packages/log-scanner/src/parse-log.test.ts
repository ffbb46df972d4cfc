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

describe('parseLog: the public SIP-trace intro lines (snom-evidence.md §4)', () => {
  const message = [
    'INVITE sip:547@10.110.100.110:3072;line=wxecg2hg SIP/2.0',
    'From: "Müller, Anna" <sip:+4930123456@pbx.example>;tag=1',
    'To: <sip:547@pbx.example>',
    'Call-ID: 3c3b966053be-phxdiv27t9gm',
    'CSeq: 1 INVITE',
    '',
  ].join('\n');
  const intros: [string, 'sent' | 'received', string | null][] = [
    // Verbatim from abptech "Snom (190/320/360) Phone Function Keys Explained".
    [
      'Sent to udp:209.189.239.106:5060 at 19/10/2005 12:26:20:770 (425 bytes):',
      'sent',
      '19/10/2005 12:26:20:770',
    ],
    [
      'Received from udp:192.0.2.10:5060 at 2/12/2026 03:31:02:770 (425 bytes):',
      'received',
      '2/12/2026 03:31:02:770',
    ],
    [
      'Received from udp:192.0.2.10:5060 at 2/12/2026 03:31:02:770 (425 bytes)',
      'received',
      '2/12/2026 03:31:02:770',
    ],
    [
      'Received from tls:[2001:db8::1]:5061 at 12/2/2026 3:31:02 PM (425 bytes):',
      'received',
      '12/2/2026 3:31:02 PM',
    ],
    ['Sent to tcp:192.0.2.10:5060 at sometime unknown (12 bytes):', 'sent', 'sometime unknown'],
    ['Sent to udp:192.0.2.10:5060 (425 bytes):', 'sent', null],
    ['Received from 192.0.2.10:5060 (425 bytes)', 'received', null],
    ['Sent to udp:192.0.2.10:5060:', 'sent', null],
    ['[5] Received from udp:192.0.2.10:5060 (425 bytes):', 'received', null],
    [
      '[5]26/11/2026 23:41:02.123 SIP: Received from udp:127.0.0.1:5060 (412 bytes):',
      'received',
      '26/11/2026 23:41:02.123',
    ],
    [
      'Apr  2 18:30:58  [DEBUG2] SIP: Sent to udp:192.0.2.10:5060 (425 bytes):',
      'sent',
      'Apr  2 18:30:58',
    ],
    [
      '[2] 11/4/2006 10:52:43: Received from udp:192.0.2.10:5060 at 11/4/2006 10:52:43 (425 bytes):',
      'received',
      '11/4/2006 10:52:43',
    ],
    [
      '2/12/2026 03:31:02:770 Sent to udp:192.0.2.10:5060 (425 bytes):',
      'sent',
      '2/12/2026 03:31:02:770',
    ],
  ];

  it.each(intros)('%s', (intro, direction, time) => {
    for (const eol of ['\n', '\r\n']) {
      const { records, issues } = parseLog(`${intro}\n\n${message}`.replace(/\n/g, eol));
      expect(issues).toEqual([]);
      const sip = records.filter((r) => r.type === 'sip');
      expect(sip).toHaveLength(1);
      expect(sip[0]).toMatchObject({
        method: 'INVITE',
        requestUri: 'sip:547@10.110.100.110:3072;line=wxecg2hg',
        callId: '3c3b966053be-phxdiv27t9gm',
        direction,
        time,
      });
    }
  });

  it('finds the same intro lines in an HTML page', () => {
    const page = `<html><body><pre>${intros
      .map(
        ([i]) =>
          `${i.replace(/&/g, '&amp;')}\n\n${message.replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
      )
      .join('\n')}</pre></body></html>`;
    const sip = parseLog(page).records.filter((r) => r.type === 'sip');
    expect(sip.map((r) => r.direction)).toEqual(intros.map(([, d]) => d));
  });

  it('does not take free text for an intro line', () => {
    for (const text of [
      'PHN: Sent to voicemail',
      'Received from the PBX: nothing',
      'Sent to udp server failed (see above)',
      'the phone Sent to 192.0.2.1 a request',
    ]) {
      const { records } = parseLog(`${text}\n`);
      expect(records).toEqual([{ type: 'text', text, line: 1 }]);
    }
  });

  it('reads SIP lines that each carry a firmware 6/7 or 8.x log head', () => {
    for (const head of ['[5] 11/4/2006 10:52:43: ', 'Apr  2 18:30:58  [DEBUG2] SIP: ']) {
      const text = [`${head}Received from udp:192.0.2.10:5060 (425 bytes):`]
        .concat(message.split('\n').map((l) => `${head}${l}`))
        .join('\n');
      const sip = parseLog(text).records.filter((r) => r.type === 'sip');
      expect(sip).toEqual([
        expect.objectContaining({
          direction: 'received',
          callId: '3c3b966053be-phxdiv27t9gm',
          from: '"Müller, Anna" <sip:+4930123456@pbx.example>;tag=1',
        }),
      ]);
    }
  });

  it('ignores an overlong line instead of testing it against the intro patterns', () => {
    const long = `Received from udp:${'9'.repeat(100_000)} (1 bytes):`;
    const started = performance.now();
    const { records } = parseLog(`${long}\n${message}`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(records.filter((r) => r.type === 'sip')[0]?.direction).toBe('unknown');
  });
});
