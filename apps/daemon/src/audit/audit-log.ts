import Database from 'better-sqlite3';
import type { UserRole } from '../users/user-schema.js';

/** One state-changing action, as recorded. */
export interface AuditRecord {
  /** Epoch ms. */
  readonly at: number;
  /** `admin` (the admin token) or the user's name at the time. */
  readonly actor: string;
  readonly userId: string | null;
  readonly tokenId: string | null;
  /** The principal's role; `none` for a request that never authenticated (`auth.rate-limited`). */
  readonly role: UserRole | 'none';
  /** The client's address (`ip:port`), or `unknown`. */
  readonly address: string;
  /** What was done: `dial`, `call.drop`, `phone.provision`, `config.dialing`, `user.create`, `tapi.lineMakeCall`, … */
  readonly action: string;
  /** `POST /api/phones/desk/dial`, or `tapi` for the TAPI WebSocket. */
  readonly request: string;
  /** The phone, call, user or token acted on, when there is one. */
  readonly target: string | null;
  /** A few non-secret facts (the number dialled); never passwords or tokens. */
  readonly detail: Readonly<Record<string, string | number | boolean | null>> | null;
  /** `ok`, `denied` (403: out of scope or role) or `failed` (any other error). */
  readonly outcome: 'ok' | 'denied' | 'failed';
  /** HTTP status of the answer (TAPI: 200, 403, or 500). */
  readonly status: number;
}

/** An audit record with its id, as `GET /api/audit` lists it. */
export interface AuditEntry extends AuditRecord {
  readonly id: number;
}

/** One page of `GET /api/audit`, newest first. */
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` for the next (older) page; null at the end. */
  readonly nextBefore: number | null;
}

/** When a token was last used, as stored. */
export interface TokenUsageRow {
  readonly tokenId: string;
  readonly lastUsedAt: number;
  readonly lastUsedFrom: string | null;
}

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** The journal's SQLite file (the audit log is a table in it); `:memory:` for tests. */
  readonly file: string;
  /** Current retention in days (the journal's; 0 keeps everything). Read at every prune. */
  readonly retentionDays: () => number;
  /** A write failed (another process holds the lock, disk full): the records stay queued. */
  readonly onWriteError?: (error: unknown) => void;
  /** SQLite busy timeout. Default 50 ms (writes are synchronous). */
  readonly busyTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * The audit log of state-changing actions (who dialled, dropped, provisioned, changed the
 * config, created or revoked users and tokens, from which address), in the journal's SQLite
 * database and pruned with the journal's retention; also keeps the tokens' last-used times.
 * Exists before its database does (the daemon opens it in `start()`); records made earlier or
 * while the database fails are queued (at most 10 000) and written later.
 */
export interface AuditLog {
  open(options: AuditLogOptions): void;
  record(entry: AuditRecord): void;
  /** Newest first; `limit` 1-500 (default 100); `before` = an id from the previous page. */
  query(options?: { limit?: number; before?: number }): AuditPage;
  /** Last-used rows stored by an earlier run. */
  loadTokenUsage(): TokenUsageRow[];
  /** Stores last-used times (one transaction). */
  saveTokenUsage(rows: readonly TokenUsageRow[]): void;
  /** Deletes records older than the retention; returns how many. */
  prune(): number;
  /** Writes what is queued and closes the database. Returns how many records were lost. */
  close(): number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  user_id TEXT,
  token_id TEXT,
  role TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  request TEXT NOT NULL,
  target TEXT,
  detail TEXT,
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS token_usage (
  token_id TEXT PRIMARY KEY,
  last_used_at INTEGER NOT NULL,
  last_used_from TEXT
);
`;

interface Row {
  id: number;
  at: number;
  actor: string;
  user_id: string | null;
  token_id: string | null;
  role: UserRole | 'none';
  address: string;
  action: string;
  request: string;
  target: string | null;
  detail: string | null;
  outcome: AuditRecord['outcome'];
  status: number;
}

const DAY_MS = 86_400_000;
const MAX_QUEUED = 10_000;
const NOT_OPEN = 'the audit log is not open yet (the daemon has not started)';

function fromRow(row: Row): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    userId: row.user_id,
    tokenId: row.token_id,
    role: row.role,
    address: row.address,
    action: row.action,
    request: row.request,
    target: row.target,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as AuditRecord['detail']),
    outcome: row.outcome,
    status: row.status,
  };
}

/**
 * The connection settings of the audit log: the busy timeout, WAL, and `synchronous = NORMAL`
 * as the journal has on the same file. With SQLite's default (FULL), every record was a
 * transaction with an fsync, synchronous on the event loop: 4 ms median and 138 ms p99 per
 * commit on this shared machine's disk, one per state-changing request, so provisioning 10,000
 * phones blocked the loop for minutes. In WAL mode NORMAL is still atomic and survives a crash
 * of the daemon; a power loss may lose the last commits (as for the journal).
 */
export function configureAuditDatabase(
  db: Database.Database,
  options: Pick<AuditLogOptions, 'file' | 'busyTimeoutMs'>,
): void {
  db.pragma(`busy_timeout = ${String(Math.max(0, Math.floor(options.busyTimeoutMs ?? 50)))}`);
  if (options.file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
}

/** Creates the (not yet open) audit log; see {@link AuditLog}. */
export function createAuditLog(): AuditLog {
  const state: {
    db: Database.Database | null;
    options: AuditLogOptions | null;
    queue: AuditRecord[];
    retry: NodeJS.Timeout | undefined;
    pruneTimer: NodeJS.Timeout | undefined;
  } = { db: null, options: null, queue: [], retry: undefined, pruneTimer: undefined };

  const flush = (): boolean => {
    const db = state.db;
    if (db === null || state.queue.length === 0) return state.queue.length === 0;
    try {
      const insert = db.prepare(
        `INSERT INTO audit (at, actor, user_id, token_id, role, address, action, request, target, detail, outcome, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const batch = state.queue.slice();
      db.transaction(() => {
        for (const r of batch) {
          insert.run(
            Math.round(r.at),
            r.actor,
            r.userId,
            r.tokenId,
            r.role,
            r.address,
            r.action,
            r.request,
            r.target,
            r.detail === null ? null : JSON.stringify(r.detail),
            r.outcome,
            r.status,
          );
        }
      })();
      state.queue.splice(0, batch.length);
      return true;
    } catch (error) {
      state.options?.onWriteError?.(error);
      if (state.retry === undefined) {
        state.retry = setTimeout(() => {
          state.retry = undefined;
          flush();
        }, 2000);
        state.retry.unref();
      }
      return false;
    }
  };

  const prune = (): number => {
    const db = state.db;
    const days = state.options?.retentionDays() ?? 0;
    if (db === null || days <= 0) return 0;
    const now = state.options?.now ?? Date.now;
    try {
      return db.prepare('DELETE FROM audit WHERE at < ?').run(now() - days * DAY_MS).changes;
    } catch (error) {
      state.options?.onWriteError?.(error);
      return 0;
    }
  };

  const requireDb = (): Database.Database => {
    if (state.db === null) throw new Error(NOT_OPEN);
    return state.db;
  };

  return {
    open(options) {
      if (state.db !== null) throw new Error('the audit log is already open');
      const db = new Database(options.file);
      try {
        configureAuditDatabase(db, options);
        db.exec(SCHEMA);
      } catch (error) {
        db.close();
        throw error;
      }
      state.db = db;
      state.options = options;
      prune();
      state.pruneTimer = setInterval(prune, 3_600_000);
      state.pruneTimer.unref();
      flush();
    },
    record(entry) {
      state.queue.push(entry);
      if (state.queue.length > MAX_QUEUED) state.queue.splice(0, state.queue.length - MAX_QUEUED);
      if (state.retry === undefined) flush();
    },
    query(options = {}) {
      const db = requireDb();
      const limit = Math.min(500, Math.max(1, Math.floor(options.limit ?? 100)));
      const rows = (
        options.before === undefined
          ? db.prepare(`SELECT * FROM audit ORDER BY id DESC LIMIT ?`).all(limit + 1)
          : db
              .prepare(`SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?`)
              .all(options.before, limit + 1)
      ) as Row[];
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page[page.length - 1];
      return {
        entries: page.map(fromRow),
        nextBefore: more && last !== undefined ? last.id : null,
      };
    },
    loadTokenUsage() {
      const rows = requireDb().prepare('SELECT * FROM token_usage').all() as {
        token_id: string;
        last_used_at: number;
        last_used_from: string | null;
      }[];
      return rows.map((r) => ({
        tokenId: r.token_id,
        lastUsedAt: r.last_used_at,
        lastUsedFrom: r.last_used_from,
      }));
    },
    saveTokenUsage(rows) {
      const db = requireDb();
      const upsert = db.prepare(
        `INSERT INTO token_usage (token_id, last_used_at, last_used_from) VALUES (?, ?, ?)
         ON CONFLICT (token_id) DO UPDATE SET last_used_at = excluded.last_used_at, last_used_from = excluded.last_used_from`,
      );
      db.transaction(() => {
        for (const r of rows) upsert.run(r.tokenId, Math.round(r.lastUsedAt), r.lastUsedFrom);
      })();
    },
    prune,
    close() {
      if (state.retry !== undefined) clearTimeout(state.retry);
      state.retry = undefined;
      if (state.pruneTimer !== undefined) clearInterval(state.pruneTimer);
      flush();
      const lost = state.queue.length;
      try {
        state.db?.close();
      } catch {
        // nothing left to do
      }
      state.db = null;
      return lost;
    },
  };
}
