import type { CallState } from '@snomlink/core';

/** Which call-control buttons make sense in a call state. */
export interface CallActions {
  readonly answer: boolean;
  readonly drop: boolean;
  readonly hold: boolean;
  readonly unhold: boolean;
}

const RINGING_IN: readonly CallState[] = ['offering', 'accepted'];

/**
 * Answer only a ringing inbound call, hold only a connected one, resume only a held one, drop
 * anything not yet idle (rejects while ringing, releases a disconnected line).
 */
export function callActions(
  state: CallState,
  direction: 'inbound' | 'outbound' | 'unknown',
): CallActions {
  return {
    answer: RINGING_IN.includes(state) && direction !== 'outbound',
    drop: state !== 'idle',
    hold: state === 'connected',
    unhold: state === 'onhold',
  };
}
