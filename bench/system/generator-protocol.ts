// What the measuring process (run.ts) and the load generator process (generator.ts) say to
// each other over the fork's IPC channel: requests with an id, answers with the same id, and
// the stream of fired Action URLs the measuring side pairs with the SSE events it reads.
import type { LoopDelay } from './loop-delay.js';

/** One simulated phone as the daemon is configured with it. */
export interface PhoneEntry {
  readonly id: string;
  readonly cls: 'full' | 'parameterless';
  readonly host: string;
  readonly model: 'snom360' | 'snom190';
  readonly secret: string;
}

/** One call the generator placed (the journal check compares the daemon's rows with these). */
export interface PlacedCall {
  readonly phoneId: string;
  readonly cls: 'full' | 'parameterless';
  readonly kind: 'incoming' | 'missed' | 'outgoing';
  readonly number: string;
  readonly display: string;
  simCallId: string | null;
  readonly phase: string;
  /** Date.now() when placed (compared with the journal's wall-clock startedAt). */
  readonly startedAt: number;
}

/** An Action URL a phone got its 200 for; `at` is when it was queued, clock.ts's clockMs(). */
export interface FiredEvent {
  readonly phoneId: string;
  readonly cls: 'full' | 'parameterless';
  readonly kind: string;
  readonly callId: string | null;
  readonly at: number;
}

/** The generator's side of one phase (between phaseBegin and phaseEnd). */
export interface GeneratorPhase {
  /** Phone request queued → its 200 arrived, ms, every Action URL of the phase. */
  readonly roundTrips: number[];
  readonly fired: number;
  readonly firedFailed: number;
  readonly logReads: number;
  readonly logClears: number;
  /** The generator's own event loop delay and CPU (% of one core) over the phase. */
  readonly loop: LoopDelay;
  readonly cpuPercent: number;
}

/** Requests and their answers. */
export interface GeneratorMethods {
  start: { args: { phones: number }; result: { entries: PhoneEntry[]; startMs: number } };
  clock: { args: null; result: number };
  clearLogs: { args: null; result: null };
  phaseBegin: { args: null; result: null };
  phaseEnd: { args: null; result: GeneratorPhase };
  place: {
    args: { rate: number; seconds: number; phase: string };
    result: { calls: PlacedCall[]; skipped: number };
  };
  saturate: { args: { seconds: number; concurrency: number }; result: number };
  /** Points every phone's Action URLs at `base` (the bare receiver). */
  retarget: { args: { base: string }; result: null };
  close: { args: null; result: { fired: number; firedFailed: number } };
}

export type GeneratorRequest = {
  [M in keyof GeneratorMethods]: { id: number; method: M; args: GeneratorMethods[M]['args'] };
}[keyof GeneratorMethods];

export type GeneratorMessage =
  { id: number; result: unknown } | { id: number; error: string } | { fired: FiredEvent[] };
