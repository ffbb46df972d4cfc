import { describe, expect, it } from 'vitest';
import { ACTION_EVENT_KINDS, safeParseActionEvent } from './index.js';

describe('action events', () => {
  it('accepts a well-formed event and rejects an unknown kind', () => {
    const base = { phoneId: 'p1', source: 'action-url', receivedAt: 1, params: {} };
    expect(safeParseActionEvent({ ...base, kind: 'incoming' }).success).toBe(true);
    expect(safeParseActionEvent({ ...base, kind: 'ringing' }).success).toBe(false);
    expect(ACTION_EVENT_KINDS).toContain('blind-transfer');
  });
});
