import type { PhoneClient } from '../phones/phone-manager.js';

/** What a phone's `info()` answers (model, MAC, firmware), as the phone manager reads it. */
export type PhoneInfo = Awaited<ReturnType<PhoneClient['info']>>;

/** A snom360 on firmware 8.7.5, the answer most tests need. */
export const SNOM360_INFO: PhoneInfo = { model: 'snom360', mac: '000413000001', firmware: '8.7.5' };

/**
 * A phone client that does nothing but answer `info()` (the health check) with `info`: the phone
 * manager's tests count, delay or fail health checks through it, without sockets.
 */
export function fakePhoneClient(info: () => Promise<PhoneInfo>): PhoneClient {
  const nop = (): Promise<void> => Promise.resolve();
  return {
    dial: nop,
    hangUp: nop,
    answer: nop,
    hold: nop,
    unhold: nop,
    blindTransfer: nop,
    sendDtmf: nop,
    writeSettings: nop,
    readSettings: () => Promise.resolve({}),
    info,
    readLog: () => Promise.resolve(''),
    clearLog: nop,
    webConfigUrl: () => 'http://127.0.0.2/',
  };
}
