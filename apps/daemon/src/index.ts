/** @snomlink/daemon: the admin API contract (also at `@snomlink/daemon/api`). */
export * as api from './api/index.js';
