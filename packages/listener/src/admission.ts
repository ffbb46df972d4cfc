import type { ActionEvent } from '@snomlink/core';
import { ListenerConfigError } from './errors.js';
import type { ListenerOptions } from './listener-options.js';

/** Default longest wait for `admit` before the phone gets a 503. */
export const DEFAULT_ADMIT_TIMEOUT_MS = 5000;

/** Default most admissions awaited at once; more are answered 503 at once. */
export const DEFAULT_MAX_PENDING_ADMISSIONS = 256;

/** A 503 answer: the event could not be stored, so the phone must not get a 200. */
export interface Unavailable {
  status: 503;
  error: 'unavailable';
  detail: string;
}

/**
 * Awaits the consumer's `admit(event)` before the phone is answered, bounded in time and in
 * number: the phone gets its 200 only once `admit` resolved, a 503 when it rejected, did not
 * settle within `timeoutMs`, or `maxPending` admissions are already waiting. A connection that
 * waits is busy (not evictable), so both bounds keep a stalled store from holding more than
 * `maxPending` connections for longer than `timeoutMs`.
 */
export interface Admission {
  /** Resolves `undefined` once admitted (then the event goes to `onEvent`), else the 503. */
  run(event: ActionEvent): Promise<Unavailable | undefined>;
  /** Admissions awaited now. */
  readonly pending: number;
}

function unavailable(detail: string): Unavailable {
  return { status: 503, error: 'unavailable', detail };
}

/** The admission of `options.admit`, or `undefined` when events are admitted without waiting. */
export function createAdmission(options: ListenerOptions): Admission | undefined {
  const admit = options.admit;
  if (admit === undefined) return undefined;
  const timeoutMs = options.admitTimeoutMs ?? DEFAULT_ADMIT_TIMEOUT_MS;
  const maxPending = options.maxPendingAdmissions ?? DEFAULT_MAX_PENDING_ADMISSIONS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new ListenerConfigError(
      'admitTimeoutMs',
      `must be a positive number of ms, got ${String(timeoutMs)}`,
    );
  }
  if (!Number.isInteger(maxPending) || maxPending < 1) {
    throw new ListenerConfigError(
      'maxPendingAdmissions',
      `must be an integer ≥ 1, got ${String(maxPending)}`,
    );
  }
  let pending = 0;
  return {
    get pending() {
      return pending;
    },
    run(event) {
      if (pending >= maxPending) {
        return Promise.resolve(
          unavailable('too many events are waiting to be stored; try again later'),
        );
      }
      pending += 1;
      return new Promise<Unavailable | undefined>((resolve) => {
        let settled = false;
        const finish = (outcome: Unavailable | undefined): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          pending -= 1;
          resolve(outcome);
        };
        // Counted until the phone is answered, not until `admit` settles: an `admit` that never
        // settles must not take a slot for ever (it has to bound its own wait).
        const timer = setTimeout(() => {
          finish(unavailable('the event could not be stored in time; try again later'));
        }, timeoutMs);
        let result: Promise<void>;
        try {
          result = Promise.resolve(admit(event));
        } catch (error) {
          result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        result.then(
          () => {
            finish(undefined);
          },
          () => {
            finish(unavailable('the event could not be stored; try again later'));
          },
        );
      });
    },
  };
}
