import type { TapiPhoneControl } from '../tapi-bridge.js';

/** One command the fake phone received. */
export interface FakePhoneCommand {
  readonly op: keyof TapiPhoneControl;
  readonly args: readonly unknown[];
}

/** A recording stand-in for a SnomClient, for bridge tests without HTTP. */
export interface FakePhoneControl extends TapiPhoneControl {
  readonly commands: readonly FakePhoneCommand[];
  /** Makes the next (or every, with `sticky`) call of `op` reject with `error`. */
  failNext(op: keyof TapiPhoneControl, error: Error, sticky?: boolean): void;
}

/** Creates a fake phone control; `onCommand` runs after a command was recorded (e.g. to publish events). */
export function createFakePhoneControl(
  onCommand?: (command: FakePhoneCommand) => void | Promise<void>,
): FakePhoneControl {
  const commands: FakePhoneCommand[] = [];
  const failures = new Map<keyof TapiPhoneControl, { error: Error; sticky: boolean }>();
  const run = async (op: keyof TapiPhoneControl, args: readonly unknown[]): Promise<void> => {
    const failure = failures.get(op);
    if (failure) {
      if (!failure.sticky) failures.delete(op);
      throw failure.error;
    }
    const command = { op, args };
    commands.push(command);
    await onCommand?.(command);
  };
  return {
    commands,
    failNext(op, error, sticky = false) {
      failures.set(op, { error, sticky });
    },
    dial: (number, options) => run('dial', options === undefined ? [number] : [number, options]),
    hangUp: () => run('hangUp', []),
    answer: () => run('answer', []),
    hold: () => run('hold', []),
    unhold: () => run('unhold', []),
    blindTransfer: (number) => run('blindTransfer', [number]),
    sendDtmf: (digits) => run('sendDtmf', [digits]),
  };
}
