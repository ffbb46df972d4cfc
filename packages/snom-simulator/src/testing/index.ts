export { createActionUrlReceiver } from './action-url-receiver.js';
export type { ActionUrlReceiver, CapturedRequest } from './action-url-receiver.js';
