import Database from 'better-sqlite3';
import { backoffDelay, type FinishedCall, type NamedParty, type PartyId } from '@snomlink/core';
import type { JournalEntry, JournalPage } from '../api/schemas.js';

/** Filters and paging of {@link Journal.query}. */
export interface JournalQueryOptions {
  /** 1-500, default 50. */
  readonly limit?: number;
  /** Only entries with a smaller id (the previous page's `nextBefore`). */
  readonly before?: number;
  readonly phoneId?: string;
  /** Only these phones (a user token's lines); an empty list matches nothing. */
  readonly phoneIds?: readonly string[];
  readonly direction?: 'inbound' | 'outbound' | 'unknown';
  readonly missed?: boolean;
  /** Substring of any number or display name. */
  readonly q?: string;
}

/** Health of the journal, for `/api/health`. */
export interface JournalStatus {
  readonly ok: boolean;
  /** The last write error while not ok. */
  readonly error?: string;
  /** Finished calls waiting to be written (after a failure). */
  readonly pending: number;
  /**
   * Finished calls dropped since start because the in-memory queue was full while the
   * database failed (oldest first). They are not in the journal.
   */
  readonly dropped: number;
}

/** Options of {@link openJournal}. */
export interface JournalOptions {
  /** Path of the SQLite file (`:memory:` for tests). */
  readonly file: string;
  /** Delete entries older than this many days at start and hourly; 0 keeps everything. */
  readonly retentionDays?: number;
  /** Called on a write failure and on recovery (for loud logs). */
  readonly onStatus?: (status: JournalStatus) => void;
  /**
   * Delay cap of the first retry after a failed write; the cap doubles per failed retry up to
   * `retryMaxMs`, and each delay is drawn between half and all of it (core's `backoffDelay`,
   * equal jitter). Default 1000.
   */
  readonly retryInitialMs?: number;
  /** Longest retry delay. Default 10000. */
  readonly retryMaxMs?: number;
  /**
   * SQLite busy timeout (waiting for another process's lock). Writes are synchronous and block
   * the event loop for up to this long, so it is short. Default 50.
   */
  readonly busyTimeoutMs?: number;
  /** Busy timeout of the final flush in `close()`. Default 1000. */
  readonly closeBusyTimeoutMs?: number;
  /** Called when a call cannot be stored at all (bad data) and is dropped. */
  readonly onDropped?: (call: FinishedCall, error: unknown) => void;
  /** Most finished calls kept in memory while the database fails. Default 10000. */
  readonly maxPending?: number;
  /**
   * Called when the full queue made the journal drop its oldest calls: how many since the last
   * call of this function, and in total. At most once per retry.
   */
  readonly onOverflow?: (dropped: number, total: number) => void;
  /**
   * Write the calls recorded in one turn of the event loop in one transaction, at the end of
   * the turn (`setImmediate`) or at `commit()` if that comes first, instead of one transaction
   * per call. Reads (`query`, `position`) and `close` write what is waiting first, so they see
   * every recorded call. A transaction cost ~70 µs of CPU per Action URL at saturation (issue
   * 19), most of it per commit. Default false: each call is written when recorded.
   */
  readonly batchWrites?: boolean;
  readonly now?: () => number;
}

/** The call journal: one row per finished call, in SQLite (WAL). */
export interface Journal {
  /**
   * Records a finished call. Never throws and never waits long: while the database fails
   * (another process holds the lock, disk full) calls are queued in memory (at most
   * `maxPending`, oldest dropped first) and written by a retry timer with backoff, not on
   * every call; `status` says what is wrong. `position` is the call's place in a log the journal
   * projects (see {@link Journal.position}).
   */
  record(call: FinishedCall, position?: number): void;
  /**
   * Calls `written` once every call recorded so far is on disk, or, while the database fails,
   * queued in memory for the retry timer (`status` says so): the daemon announces a finished call
   * only then, so a `kill -9` cannot lose a call a reader saw end. The journal of
   * {@link openJournal} writes before it calls back; the writer thread's (journal-thread.ts) calls
   * back when the thread has committed, so one transaction holds every call finished meanwhile.
   */
  whenWritten(written: () => void): void;
  /**
   * The highest `position` stored with a call (written in the same transaction as the calls up
   * to it), or 0 when none: where a projection of a log resumes (cluster mode: the JOURNAL stream
   * sequence). A new or lost database says 0, so the projection rebuilds from the start.
   */
  position(): number;
  query(options?: JournalQueryOptions): JournalPage;
  /** Deletes entries older than the retention; returns how many. */
  prune(): number;
  setRetentionDays(days: number): void;
  /**
   * Adds a directory name that arrived after its call finished (journalled, or still waiting
   * to be written). Only fills an empty name; never throws (a failure shows in `status`).
   */
  setDirectoryName(
    call: { phoneId: string; callId: string },
    party: NamedParty,
    name: string,
  ): void;
  readonly status: JournalStatus;
  /**
   * Failed write attempts since start (each failed batch or retry counts once, the final
   * flush in `close()` too), for the `snomlink_journal_write_failures_total` metric.
   */
  readonly writeFailures: number;
  /**
   * Writes what is pending (one last try, waiting up to `closeBusyTimeoutMs` for a lock) and
   * closes the database. Returns how many calls could not be written.
   */
  close(): number;
}

/** The journal of {@link openJournal}: SQLite in this thread. */
export interface LocalJournal extends Journal {
  /**
   * Writes the recorded calls now, all of them, before returning (with `batchWrites`: the turn's
   * calls in one transaction). While the database fails it does not try (the retry timer writes
   * them; `status` says so), and it never throws.
   */
  commit(): void;
}

interface Row {
  id: number;
  call_id: string;
  sip_call_id: string | null;
  phone_id: string;
  direction: JournalEntry['direction'];
  locality: JournalEntry['locality'];
  remote_number: string | null;
  remote_canonical: string | null;
  remote_name: string | null;
  remote_directory_name: string | null;
  caller_number: string | null;
  caller_canonical: string | null;
  caller_name: string | null;
  caller_directory_name: string | null;
  called_number: string | null;
  called_canonical: string | null;
  called_name: string | null;
  called_directory_name: string | null;
  started_at: number;
  connected_at: number | null;
  ended_at: number;
  disconnect_mode: JournalEntry['disconnectMode'];
  missed: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  sip_call_id TEXT,
  phone_id TEXT NOT NULL,
  direction TEXT NOT NULL,
  locality TEXT NOT NULL,
  remote_number TEXT, remote_canonical TEXT, remote_name TEXT,
  caller_number TEXT, caller_canonical TEXT, caller_name TEXT,
  called_number TEXT, called_canonical TEXT, called_name TEXT,
  started_at INTEGER NOT NULL,
  connected_at INTEGER,
  ended_at INTEGER NOT NULL,
  disconnect_mode TEXT,
  missed INTEGER NOT NULL,
  remote_directory_name TEXT, caller_directory_name TEXT, called_directory_name TEXT,
  UNIQUE (phone_id, call_id, started_at)
);
CREATE INDEX IF NOT EXISTS calls_phone ON calls (phone_id, id);
CREATE INDEX IF NOT EXISTS calls_ended ON calls (ended_at);
CREATE TABLE IF NOT EXISTS projection_position (
  log TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
`;

/** The log whose position {@link Journal.position} keeps (cluster mode's JOURNAL stream). */
const POSITION_LOG = 'journal';
const READ_POSITION = 'SELECT seq FROM projection_position WHERE log = ?';
const WRITE_POSITION = `INSERT INTO projection_position (log, seq) VALUES (@log, @seq)
  ON CONFLICT (log) DO UPDATE SET seq = MAX(seq, excluded.seq)`;

/** Columns added after the first release: a database from before gets them on open. */
const ADDED_COLUMNS = ['remote_directory_name', 'caller_directory_name', 'called_directory_name'];

/** Adds the columns an older journal lacks (SQLite's ADD COLUMN is cheap: no table rewrite). */
function migrate(handle: Database.Database): void {
  const have = new Set(
    (handle.prepare('PRAGMA table_info(calls)').all() as { name: string }[]).map((c) => c.name),
  );
  const missing = ADDED_COLUMNS.filter((column) => !have.has(column));
  if (missing.length === 0) return;
  handle.transaction(() => {
    for (const column of missing) handle.exec(`ALTER TABLE calls ADD COLUMN ${column} TEXT`);
  })();
}

/** Fills a late directory name into an empty column of the call's row (caller, callee, remote). */
const SET_DIRECTORY_NAME = `UPDATE calls SET
  caller_directory_name = CASE WHEN @party = 'callerId'
    THEN COALESCE(caller_directory_name, @name) ELSE caller_directory_name END,
  called_directory_name = CASE WHEN @party = 'calledId'
    THEN COALESCE(called_directory_name, @name) ELSE called_directory_name END,
  remote_directory_name = CASE
    WHEN @party = (CASE direction WHEN 'outbound' THEN 'calledId' ELSE 'callerId' END)
    THEN COALESCE(remote_directory_name, @name) ELSE remote_directory_name END
  WHERE phone_id = @phone AND call_id = @call`;

const DAY_MS = 86_400_000;

/** Another connection holds the lock: keep the handle, try again later. */
function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

/** The highest position among `calls` (undefined when none has one). */
function highestPosition(
  calls: readonly FinishedCall[],
  positions: WeakMap<FinishedCall, number>,
): number | undefined {
  let highest: number | undefined;
  for (const call of calls) {
    const position = positions.get(call);
    if (position !== undefined && (highest === undefined || position > highest)) highest = position;
  }
  return highest;
}

/** Rows written per transaction; more are written on the next turn of the event loop. */
const BATCH = 500;

/** An error about the row itself (retrying cannot help), not about the database. */
function isDataError(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH')
  );
}

function toRowValues(call: FinishedCall): Omit<Row, 'id'> {
  const remote: PartyId = call.direction === 'outbound' ? call.calledId : call.callerId;
  return {
    call_id: call.id,
    sip_call_id: call.sipCallId,
    phone_id: call.phoneId,
    direction: call.direction,
    locality: call.locality,
    remote_number: remote.number,
    remote_canonical: remote.canonical,
    remote_name: remote.displayName,
    remote_directory_name: remote.directoryName,
    caller_number: call.callerId.number,
    caller_canonical: call.callerId.canonical,
    caller_name: call.callerId.displayName,
    caller_directory_name: call.callerId.directoryName,
    called_number: call.calledId.number,
    called_canonical: call.calledId.canonical,
    called_name: call.calledId.displayName,
    called_directory_name: call.calledId.directoryName,
    started_at: Math.round(call.startedAt),
    connected_at: call.connectedAt === null ? null : Math.round(call.connectedAt),
    ended_at: Math.round(call.endedAt),
    disconnect_mode: call.disconnectMode,
    missed: call.missed ? 1 : 0,
  };
}

function fromRow(row: Row): JournalEntry {
  return {
    id: row.id,
    callId: row.call_id,
    sipCallId: row.sip_call_id,
    phoneId: row.phone_id,
    direction: row.direction,
    locality: row.locality,
    remoteNumber: row.remote_number,
    remoteCanonical: row.remote_canonical,
    remoteName: row.remote_name,
    remoteDirectoryName: row.remote_directory_name,
    callerNumber: row.caller_number,
    callerCanonical: row.caller_canonical,
    callerName: row.caller_name,
    callerDirectoryName: row.caller_directory_name,
    calledNumber: row.called_number,
    calledCanonical: row.called_canonical,
    calledName: row.called_name,
    calledDirectoryName: row.called_directory_name,
    startedAt: row.started_at,
    connectedAt: row.connected_at,
    endedAt: row.ended_at,
    durationMs: row.connected_at === null ? 0 : Math.max(0, row.ended_at - row.connected_at),
    disconnectMode: row.disconnect_mode,
    missed: row.missed === 1,
  };
}

/**
 * Opens (creating if needed) the journal database in WAL mode. Throws only when the file
 * cannot be opened at all at start; later failures are absorbed by `record`.
 */
export function openJournal(options: JournalOptions): LocalJournal {
  const now = options.now ?? Date.now;
  const maxPending = Math.max(1, options.maxPending ?? 10_000);
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = Math.max(retryInitialMs, options.retryMaxMs ?? 10_000);
  let busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 50));
  let retentionDays = options.retentionDays ?? 0;
  let db: Database.Database | null = null;
  let insert: Database.Statement | null = null;
  const pending: FinishedCall[] = [];
  /** The position a pending call came with (record's second argument). */
  const positions = new WeakMap<FinishedCall, number>();
  /**
   * Set once a call with a position was dropped (queue overflow): positions are then no longer
   * stored, so the next start replays the log from before the loss (INSERT OR IGNORE).
   */
  let positionFrozen = false;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  /** The end-of-turn write of {@link JournalOptions.batchWrites}, while one is scheduled. */
  let turnWrite: NodeJS.Immediate | undefined;
  /** Failed retries in a row: the backoff exponent. */
  let retryAttempt = 0;
  const retryDelay = (): number =>
    backoffDelay(retryAttempt, { baseMs: retryInitialMs, maxMs: retryMaxMs, jitter: 'equal' });
  let dropped = 0;
  let writeFailures = 0;
  let unreportedDrops = 0;
  let closed = false;

  const openDb = (): Database.Database => {
    const handle = new Database(options.file);
    try {
      handle.pragma(`busy_timeout = ${String(busyTimeoutMs)}`);
      if (options.file !== ':memory:') handle.pragma('journal_mode = WAL');
      handle.pragma('synchronous = NORMAL');
      handle.exec(SCHEMA);
      migrate(handle);
      insert = handle.prepare(
        `INSERT OR IGNORE INTO calls (call_id, sip_call_id, phone_id, direction, locality,
          remote_number, remote_canonical, remote_name, remote_directory_name,
          caller_number, caller_canonical, caller_name, caller_directory_name,
          called_number, called_canonical, called_name, called_directory_name,
          started_at, connected_at, ended_at, disconnect_mode, missed)
         VALUES (@call_id, @sip_call_id, @phone_id, @direction, @locality, @remote_number,
          @remote_canonical, @remote_name, @remote_directory_name,
          @caller_number, @caller_canonical, @caller_name, @caller_directory_name,
          @called_number, @called_canonical, @called_name, @called_directory_name,
          @started_at, @connected_at, @ended_at, @disconnect_mode, @missed)`,
      );
      return handle;
    } catch (error) {
      handle.close();
      throw error;
    }
  };

  const status = (): JournalStatus =>
    lastError === null
      ? { ok: true, pending: pending.length, dropped }
      : { ok: false, error: lastError, pending: pending.length, dropped };

  const setError = (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    const changed = lastError !== message;
    lastError = message;
    if (changed) options.onStatus?.(status());
  };

  const reportDrops = (): void => {
    if (unreportedDrops === 0) return;
    const count = unreportedDrops;
    unreportedDrops = 0;
    options.onOverflow?.(count, dropped);
  };

  /** Writes up to BATCH pending calls in one transaction. */
  const flush = (): 'done' | 'more' | 'failed' => {
    if (pending.length === 0) return 'done';
    try {
      if (db === null) db = openDb();
      const handle = db;
      const stmt = insert;
      if (stmt === null) throw new Error('journal statement not prepared');
      const batch = pending.slice(0, BATCH);
      const storePosition = (): void => {
        const seq = positionFrozen ? undefined : highestPosition(batch, positions);
        if (seq !== undefined) handle.prepare(WRITE_POSITION).run({ log: POSITION_LOG, seq });
      };
      try {
        handle.transaction((calls: readonly FinishedCall[]) => {
          for (const call of calls) stmt.run(toRowValues(call));
          storePosition();
        })(batch);
        pending.splice(0, batch.length);
      } catch (error) {
        if (!isDataError(error)) throw error;
        // One bad call must not block the rest forever: store them one by one, drop the bad.
        for (const call of batch) {
          try {
            stmt.run(toRowValues(call));
          } catch (rowError) {
            if (!isDataError(rowError)) throw rowError;
            options.onDropped?.(call, rowError);
          }
          pending.shift();
        }
        // After the rows: a crash in between replays them, and INSERT OR IGNORE keeps one each.
        storePosition();
      }
      if (lastError !== null && pending.length === 0) {
        lastError = null;
        retryAttempt = 0;
        options.onStatus?.(status());
      }
      return pending.length === 0 ? 'done' : 'more';
    } catch (error) {
      writeFailures++;
      setError(error);
      if (!isBusyError(error)) {
        // Reopen on the next try: the handle may be broken (disk full, file removed).
        try {
          db?.close();
        } catch {
          // already broken
        }
        db = null;
        insert = null;
      }
      return 'failed';
    }
  };

  /**
   * Writes batch after batch, yielding between them (or all at once when `whole`: a commit
   * someone waits for); on failure retries with backoff.
   */
  const drain = (whole = false): void => {
    reportDrops();
    let result = flush();
    while (whole && result === 'more') result = flush();
    if (result === 'done') return;
    if (result === 'more') {
      schedule(0);
      return;
    }
    const delay = retryDelay();
    retryAttempt++;
    schedule(delay);
  };

  const schedule = (delay: number): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      drain();
    }, delay);
    timer.unref();
  };

  /**
   * Writes the recorded calls now (batchWrites: this turn's), e.g. before a read. Not while
   * failing or writing a backlog: the timer does that, in order, without blocking every turn.
   */
  const commit = (): void => {
    if (turnWrite !== undefined) clearImmediate(turnWrite);
    turnWrite = undefined;
    if (!closed && timer === undefined && lastError === null) drain(true);
  };

  const prune = (): number => {
    if (retentionDays <= 0 || db === null) return 0;
    try {
      return db.prepare('DELETE FROM calls WHERE ended_at < ?').run(now() - retentionDays * DAY_MS)
        .changes;
    } catch (error) {
      setError(error);
      return 0;
    }
  };

  db = openDb();
  prune();
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();

  return {
    record(call, position) {
      if (closed) return;
      if (position !== undefined) positions.set(call, position);
      pending.push(call);
      if (pending.length > maxPending) {
        const over = pending.length - maxPending;
        if (pending.slice(0, over).some((lost) => positions.has(lost))) positionFrozen = true;
        pending.splice(0, over);
        const first = dropped === 0;
        dropped += over;
        unreportedDrops += over;
        if (first) reportDrops();
      }
      // While failing (or still writing a backlog) the timer writes it, in order: trying on
      // every call would block the event loop for the busy timeout each time.
      if (timer !== undefined) return;
      if (lastError !== null) schedule(retryDelay());
      else if (options.batchWrites !== true) drain();
      else turnWrite ??= setImmediate(commit);
    },
    commit,
    whenWritten(written) {
      commit();
      written();
    },
    setDirectoryName(target, party, name) {
      if (closed || party === 'connectedId') return;
      const index = pending.findIndex(
        (c) => c.id === target.callId && c.phoneId === target.phoneId,
      );
      const queued = pending[index];
      if (queued !== undefined) {
        if (queued[party].directoryName === null) {
          const named = { ...queued, [party]: { ...queued[party], directoryName: name } };
          const position = positions.get(queued);
          if (position !== undefined) positions.set(named, position);
          pending[index] = named;
        }
        return;
      }
      if (db === null) return;
      try {
        db.prepare(SET_DIRECTORY_NAME).run({
          name,
          party,
          phone: target.phoneId,
          call: target.callId,
        });
      } catch (error) {
        setError(error);
      }
    },
    position() {
      commit();
      try {
        const handle = db ?? (db = openDb());
        const row = handle.prepare(READ_POSITION).get(POSITION_LOG) as { seq: number } | undefined;
        return row?.seq ?? 0;
      } catch (error) {
        // Unreadable: the projection replays from the start (INSERT OR IGNORE keeps one row each).
        setError(error);
        return 0;
      }
    },
    query(query = {}) {
      commit();
      // Reopen after a failure so readers recover too.
      const handle = db ?? (db = openDb());
      const limit = Math.min(500, Math.max(1, Math.floor(query.limit ?? 50)));
      const where: string[] = [];
      const params: Record<string, string | number> = {};
      if (query.before !== undefined) {
        where.push('id < @before');
        params['before'] = query.before;
      }
      if (query.phoneId !== undefined) {
        where.push('phone_id = @phone');
        params['phone'] = query.phoneId;
      }
      if (query.phoneIds !== undefined) {
        const names = query.phoneIds.map((id, i) => {
          params[`line${String(i)}`] = id;
          return `@line${String(i)}`;
        });
        where.push(names.length === 0 ? '0' : `phone_id IN (${names.join(', ')})`);
      }
      if (query.direction !== undefined) {
        where.push('direction = @direction');
        params['direction'] = query.direction;
      }
      if (query.missed !== undefined) {
        where.push('missed = @missed');
        params['missed'] = query.missed ? 1 : 0;
      }
      if (query.q !== undefined && query.q !== '') {
        where.push(
          `(remote_number LIKE @q ESCAPE '\\' OR remote_canonical LIKE @q ESCAPE '\\' OR remote_name LIKE @q ESCAPE '\\'
            OR remote_directory_name LIKE @q ESCAPE '\\'
            OR caller_number LIKE @q ESCAPE '\\' OR caller_name LIKE @q ESCAPE '\\'
            OR called_number LIKE @q ESCAPE '\\' OR called_name LIKE @q ESCAPE '\\')`,
        );
        params['q'] = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      }
      const sql = `SELECT * FROM calls ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ${limit + 1}`;
      const rows = handle.prepare(sql).all(params) as Row[];
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page[page.length - 1];
      return {
        entries: page.map(fromRow),
        nextBefore: more && last !== undefined ? last.id : null,
      };
    },
    prune,
    setRetentionDays(days) {
      retentionDays = days;
      prune();
    },
    get status() {
      return status();
    },
    get writeFailures() {
      return writeFailures;
    },
    close() {
      if (closed) return pending.length;
      closed = true;
      clearInterval(pruneTimer);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (turnWrite !== undefined) clearImmediate(turnWrite);
      turnWrite = undefined;
      // One last try, waiting a little longer for a lock (shutdown may take a moment).
      busyTimeoutMs = Math.max(0, Math.floor(options.closeBusyTimeoutMs ?? 1000));
      try {
        db?.pragma(`busy_timeout = ${String(busyTimeoutMs)}`);
      } catch {
        // the handle is broken; flush reopens
      }
      let result = flush();
      while (result === 'more') result = flush();
      reportDrops();
      try {
        db?.close();
      } catch {
        // nothing left to do
      }
      db = null;
      return pending.length;
    },
  };
}
