import { CALL_STATES } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { callActions } from './call-actions.js';

describe('callActions', () => {
  it('answers only a ringing inbound call', () => {
    expect(callActions('offering', 'inbound').answer).toBe(true);
    expect(callActions('accepted', 'unknown').answer).toBe(true);
    expect(callActions('offering', 'outbound').answer).toBe(false);
    expect(callActions('connected', 'inbound').answer).toBe(false);
  });

  it('holds a connected call and resumes a held one', () => {
    expect(callActions('connected', 'inbound')).toMatchObject({ hold: true, unhold: false });
    expect(callActions('onhold', 'inbound')).toMatchObject({ hold: false, unhold: true });
    expect(callActions('ringback', 'outbound')).toMatchObject({ hold: false, unhold: false });
  });

  it('drops anything but an idle call', () => {
    for (const state of CALL_STATES) {
      expect(callActions(state, 'inbound').drop).toBe(state !== 'idle');
    }
  });
});
