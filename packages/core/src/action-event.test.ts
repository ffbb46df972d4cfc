import { describe, expect, it } from 'vitest';
import { ACTION_EVENT_KINDS, parseActionEvent, safeParseActionEvent } from './action-event.js';

describe('action events', () => {
  const base = { phoneId: 'p1', source: 'action-url', receivedAt: 1, params: {} };

  it('accepts a well-formed event and rejects an unknown kind', () => {
    expect(safeParseActionEvent({ ...base, kind: 'incoming' }).success).toBe(true);
    expect(safeParseActionEvent({ ...base, kind: 'ringing' }).success).toBe(false);
    expect(ACTION_EVENT_KINDS).toContain('blind-transfer');
  });

  it('keeps every runtime variable and rejects a negative call count', () => {
    const params = {
      callId: 'a84b@pbx',
      nrOngoingCalls: 1,
      activeUser: '201',
      local: 'sip:201@pbx',
      remote: 'sip:+4930123456@pbx',
      displayRemote: 'Anna',
    };
    expect(parseActionEvent({ ...base, kind: 'incoming', params }).params).toEqual(params);
    expect(() =>
      parseActionEvent({ ...base, kind: 'incoming', params: { nrOngoingCalls: -1 } }),
    ).toThrow();
  });
});

describe('actionEventSchema: an empty $local (snom-evidence.md §1, tine20)', () => {
  it('accepts local: "" and keeps remote as user@host', () => {
    const parsed = safeParseActionEvent({
      phoneId: 'p1',
      kind: 'incoming',
      source: 'action-url',
      receivedAt: 1,
      params: { callId: '3c3b966053be-phxdiv27t9gm', local: '', remote: '015112345678@fritz.box' },
    });
    expect(parsed.success).toBe(true);
  });
});
