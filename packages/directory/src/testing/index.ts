export { fullName, makePeople, toCsv, toLdif, toVCard } from './people.js';
export type { TestPerson } from './people.js';
export {
  freePort,
  hasRadicale,
  hasSlapd,
  startHangingServer,
  startRadicale,
  startSlapd,
} from './servers.js';
export type { HangingServer, TestRadicale, TestSlapd } from './servers.js';
