// @snomlink/core's source (type-checked here through the workspace link) names the TextDecoder
// type, which @types/node 20 declares only as a value. This gives the name a type without the
// DOM lib (which clashes with snom-client's fetch types). Delete once core no longer needs it.
import type { TextDecoder as NodeTextDecoder } from 'node:util';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface TextDecoder extends NodeTextDecoder {}
}

export {};
