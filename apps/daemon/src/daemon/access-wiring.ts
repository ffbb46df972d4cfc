import type { Logger } from 'pino';
import { createAuditLog } from '../audit/audit-log.js';
import type { ConfigStore } from '../config/config-store.js';
import type { AdminAccess } from '../http/access.js';
import { createTokenUsage } from '../users/token-usage.js';
import { createTokenVerifier } from '../users/token-verifier.js';
import { createUserStore } from '../users/user-store.js';

/** Options of {@link createDaemonAccess}. */
export interface DaemonAccessOptions {
  readonly config: ConfigStore;
  readonly logger: Logger;
}

/**
 * Users, scoped tokens, their last-used times and the audit log. Users and tokens live in the
 * config; the audit log and the last-used times live in the journal's database, which only
 * {@link DaemonAccess.open} touches (the daemon calls it from `start()`).
 */
export interface DaemonAccess extends AdminAccess {
  /** Opens the audit log in `file` and seeds the tokens' last-used times stored there. */
  open(file: string, retentionDays: () => number): void;
  /** Writes pending last-used times and audit records; logs what could not be written. */
  close(): void;
}

/** Creates the (not yet open) users, tokens and audit log of a daemon. */
export function createDaemonAccess(options: DaemonAccessOptions): DaemonAccess {
  const { config, logger } = options;
  const audit = createAuditLog();
  const verifier = createTokenVerifier({ users: () => config.current.users });
  const usage = createTokenUsage({
    save: (rows) => {
      audit.saveTokenUsage(rows);
    },
    onError: (error: unknown) => {
      logger.warn({ err: error }, "storing the tokens' last-used times failed; retrying later");
    },
  });
  const users = createUserStore({ config, verifier, usage });
  return {
    audit,
    verifier,
    usage,
    users,
    open(file, retentionDays) {
      audit.open({
        file,
        retentionDays,
        onWriteError: (error) => {
          logger.error(
            { err: error },
            'AUDIT LOG WRITE FAILED; the records stay queued and are retried',
          );
        },
      });
      usage.load(audit.loadTokenUsage());
    },
    close() {
      usage.close();
      const lost = audit.close();
      if (lost > 0)
        logger.error({ lost }, `AUDIT LOG WRITE FAILED at shutdown: ${String(lost)} records lost`);
    },
  };
}
