// Workaround: @snomlink/core's address.ts uses `TextDecoder` as a type, which only the DOM lib
// declares; under Node's types it is a value only. Reported to core; remove once core has it.
type TextDecoder = import('node:util').TextDecoder;
