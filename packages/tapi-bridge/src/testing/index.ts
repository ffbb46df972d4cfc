export { ANONYMOUS_PARTY, makeCall, party } from './make-call.js';
export { createFakePhoneControl } from './fake-phone-control.js';
export type { FakePhoneCommand, FakePhoneControl } from './fake-phone-control.js';
export { startTapiTestServer } from './serve-tapi.js';
export type { TapiTestServer } from './serve-tapi.js';
