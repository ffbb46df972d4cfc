import { describe, expect, it } from 'vitest';
import { createLogScanCursor, inferCallEvents } from './infer-call-events.js';
import { parseLog } from './parse-log.js';
import {
  formatSipLogEntry,
  scenarioPhases,
  type CallScenario,
  type SipLogMessage,
} from './testing/sip-log.js';

const log = (messages: readonly SipLogMessage[]): string =>
  messages.map((m) => formatSipLogEntry(m)).join('');
const infer = (text: string, cursor = createLogScanCursor(), maxCalls?: number) =>
  inferCallEvents(
    parseLog(text).records,
    cursor,
    maxCalls === undefined ? { phoneId: 'p', now: 1 } : { phoneId: 'p', now: 1, maxCalls },
  );

const out: CallScenario = {
  callId: 'o1',
  direction: 'outgoing',
  remote: '0301234567',
  outcome: 'answered',
};

describe('inferCallEvents', () => {
  it('an authentication challenge (407) does not end an outgoing call', () => {
    const [setup, answer, end] = scenarioPhases(out);
    const challenge: SipLogMessage = {
      direction: 'received',
      startLine: 'SIP/2.0 407 Proxy Authentication Required',
      headers: [
        ['From', '<sip:201@pbx.example>;tag=l1'],
        ['To', '<sip:0301234567@pbx.example>;tag=x'],
        ['Call-ID', 'o1'],
        ['CSeq', '1 INVITE'],
      ],
    };
    const kinds = infer(
      log([setup![0]!, challenge, ...setup!.slice(1), ...answer!, ...end!]),
    ).events.map((e) => e.kind);
    expect(kinds).toEqual(['outgoing', 'connected', 'disconnected']);
  });

  it('a busy callee (486) ends the call without connecting, with reason busy', () => {
    const [setup, , end] = scenarioPhases({ ...out, outcome: 'rejected' });
    const events = infer(log([...setup!, ...end!])).events;
    expect(events.map((e) => e.kind)).toEqual(['outgoing', 'disconnected']);
    expect(events[0]?.params).toMatchObject({
      callId: 'o1',
      remote: 'sip:0301234567@pbx.example',
      local: 'sip:201@pbx.example',
    });
    expect(events[0]?.params.reason).toBeUndefined();
    expect(events[1]?.params.reason).toBe('busy');
  });

  /** The reason of the `disconnected` a call with this final response to its INVITE gets. */
  const reasonFor = (direction: CallScenario['direction'], status: string) => {
    const [setup, , end] = scenarioPhases({ ...out, direction, outcome: 'rejected' });
    const ending = end!.map((m) =>
      m.startLine.startsWith('SIP/2.0 486') ? { ...m, startLine: `SIP/2.0 ${status}` } : m,
    );
    const events = infer(log([...setup!, ...ending])).events;
    expect(events.map((e) => e.kind)).toEqual([direction, 'disconnected']);
    return events[1]?.params.reason;
  };

  it.each([
    ['486 Busy Here', 'rejected'],
    ['603 Decline', 'rejected'],
    ['480 Temporarily Unavailable', 'unknown'],
    ['488 Not Acceptable Here', 'unknown'],
  ])('incoming, the phone sends %s: reason %s', (status, reason) => {
    expect(reasonFor('incoming', status)).toBe(reason);
  });

  it.each([
    ['486 Busy Here', 'busy'],
    ['600 Busy Everywhere', 'busy'],
    ['480 Temporarily Unavailable', 'noanswer'],
    ['408 Request Timeout', 'noanswer'],
    ['487 Request Terminated', 'noanswer'],
    ['603 Decline', 'rejected'],
    ['404 Not Found', 'unknown'],
    ['484 Address Incomplete', 'unknown'],
    ['604 Does Not Exist Anywhere', 'unknown'],
    ['302 Moved Temporarily', 'unknown'],
    ['503 Service Unavailable', 'unknown'],
  ])('outgoing, the phone receives %s: reason %s', (status, reason) => {
    expect(reasonFor('outgoing', status)).toBe(reason);
  });

  it.each([
    ['incoming', 'local'],
    ['incoming', 'remote'],
    ['outgoing', 'local'],
    ['outgoing', 'remote'],
  ] as const)('%s answered, BYE by %s: reason normal', (direction, hangUpBy) => {
    const events = infer(
      log(scenarioPhases({ ...out, direction, hangUpBy, outcome: 'answered' }).flat()),
    ).events;
    expect(events.map((e) => [e.kind, e.params.reason])).toEqual([
      [direction, undefined],
      ['connected', undefined],
      ['disconnected', 'normal'],
    ]);
  });

  it.each(['incoming', 'outgoing'] as const)(
    '%s CANCEL before the answer: reason cancelled, the 487 after it changes nothing',
    (direction) => {
      const events = infer(
        log(scenarioPhases({ ...out, direction, outcome: 'missed' }).flat()),
      ).events;
      expect(events.map((e) => [e.kind, e.params.reason])).toEqual([
        [direction, undefined],
        ['disconnected', 'cancelled'],
      ]);
    },
  );

  it('announces from a response to the INVITE when the INVITE itself was cleared away', () => {
    const [setup, answer] = scenarioPhases({
      callId: 'i1',
      direction: 'incoming',
      remote: '+4930111',
      display: 'Eve',
      outcome: 'answered',
    });
    const events = infer(log([...setup!.slice(1), ...answer!])).events;
    expect(events.map((e) => [e.kind, e.params.remote, e.params.displayRemote])).toEqual([
      ['incoming', 'sip:+4930111@pbx.example', 'Eve'],
      ['connected', 'sip:+4930111@pbx.example', 'Eve'],
    ]);
  });

  it('a re-INVITE or a BYE of an unknown call creates no call', () => {
    const [, , end] = scenarioPhases(out);
    const reinvite: SipLogMessage = {
      direction: 'received',
      startLine: 'INVITE sip:201@127.0.0.2 SIP/2.0',
      headers: [
        ['From', '<sip:9@pbx.example>;tag=a'],
        ['To', '<sip:201@pbx.example>;tag=b'],
        ['Call-ID', 'x9'],
        ['CSeq', '5 INVITE'],
      ],
    };
    expect(infer(log([reinvite, ...end!])).events).toEqual([]);
  });

  it('a CANCEL that loses the race against the 200 OK does not end the call', () => {
    const [setup, answer] = scenarioPhases({ ...out, direction: 'incoming' });
    const cancel: SipLogMessage = {
      direction: 'received',
      startLine: 'CANCEL sip:201@127.0.0.2 SIP/2.0',
      headers: [
        ['From', '<sip:0301234567@pbx.example>;tag=r1'],
        ['To', '<sip:201@pbx.example>'],
        ['Call-ID', 'o1'],
        ['CSeq', '1 CANCEL'],
      ],
    };
    expect(infer(log([...setup!, ...answer!, cancel])).events.map((e) => e.kind)).toEqual([
      'incoming',
      'connected',
    ]);
  });

  it('messages without a direction announce nothing but still end a known call', () => {
    const [setup, , end] = scenarioPhases({ ...out, outcome: 'rejected' });
    const strip = (t: string): string => t.replace(/^(?:\[5\]|Sent to |Received from ).*\n/gm, '');
    expect(infer(strip(log(setup!))).events).toEqual([]);
    const first = infer(log(setup!));
    expect(
      infer(strip(log(end!)), first.cursor).events.map((e) => [e.kind, e.params.reason]),
    ).toEqual([['disconnected', 'busy']]);
  });

  it('the cursor stays bounded and forgets finished calls first', () => {
    let cursor = createLogScanCursor();
    const [ring] = scenarioPhases({
      callId: 'live',
      direction: 'incoming',
      remote: '1',
      outcome: 'answered',
    });
    cursor = infer(log(ring!), cursor, 3).cursor;
    for (let i = 0; i < 5; i += 1) {
      cursor = infer(
        log(scenarioPhases({ ...out, callId: `done${i}`, outcome: 'rejected' }).flat()),
        cursor,
        3,
      ).cursor;
    }
    expect(cursor.calls.map((c) => c.callId)).toEqual(['live', 'done3', 'done4']);
  });
});
