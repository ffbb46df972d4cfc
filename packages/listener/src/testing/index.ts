export { expandActionUrl, rawPhoneRequest } from './phone-request.js';
export type { PhoneVariables } from './phone-request.js';
export { sendRawRequest } from './send-raw-request.js';
export type { RawResponse } from './send-raw-request.js';
