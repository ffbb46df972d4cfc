export { ANONYMOUS_PARTY, makeCall, party } from './make-call.js';
