import type { ActionEvent } from './action-event.js';
import type { Call, CallChange } from './call.js';
import type { DialRules } from './dial-rules.js';
import type { EventHub } from './event-hub.js';
import type { SnomlinkEvent } from './hub-event.js';

export interface LineModelOptions {
  /** Changes are published here (and returned from `apply`). */
  readonly hub?: EventHub<SnomlinkEvent>;
  readonly dialRules?: DialRules;
  readonly staleCallTimeoutMs?: number;
  readonly setupTimeoutMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** The stateful shell around `reduceLine`: one LineState per phone, changes to the hub. */
export interface LineModel {
  /** Feeds one event to its phone's line; returns (and publishes) what changed. */
  apply(event: ActionEvent): readonly CallChange[];
  /** Lets stale calls on every line time out. Call it periodically (e.g. every second). */
  tick(): readonly CallChange[];
  /** Live calls, of one phone or all, oldest first. */
  liveCalls(phoneId?: string): readonly Call[];
  /** A live call by `Call.id`. */
  getCall(id: string): Call | undefined;
  /** Forgets a phone; its live calls finish with mode `unknown`. */
  removePhone(phoneId: string): readonly CallChange[];
  setDialRules(rules: DialRules): void;
}

/** Creates the line model. */
export function createLineModel(options: LineModelOptions = {}): LineModel {
  void options;
  throw new Error('createLineModel: not implemented yet');
}
