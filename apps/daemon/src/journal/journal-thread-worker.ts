// The journal's writer thread (started by journal-thread.ts): SQLite's writes, off the daemon's
// event loop. Calls arrive several to a message; whatever arrived while the last transaction was
// being written is written in the next one (a group commit), then the daemon thread is told up
// to which call everything is on disk, and announces those calls finished.
import { parentPort, workerData } from 'node:worker_threads';
import { openJournal, type LocalJournal } from './journal.js';
import type {
  WriterAnswer,
  WriterNotice,
  WriterQuestion,
  WriterRequest,
  WriterStatus,
  WriterThreadData,
} from './journal-thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('journal-thread-worker.ts runs as a worker thread');
const { options, answered, answers } = workerData as WriterThreadData;

/** How often the writer checks for a status change no message or commit caused (see tellStatus). */
const STATUS_CHECK_MS = 1000;

const notify = (notice: WriterNotice): void => {
  port.postMessage(notice);
};

/** Opens the journal; a file that cannot be opened is the answer to every question instead. */
function open(): LocalJournal | Error {
  try {
    return openJournal({
      ...options,
      batchWrites: true,
      onStatus: (status) => {
        notify({ kind: 'status', status });
        queueMicrotask(tellStatus);
      },
      onDropped: (call, error) => {
        notify({
          kind: 'dropped',
          call,
          error: error instanceof Error ? error.message : String(error),
        });
      },
      onOverflow: (dropped, total) => {
        notify({ kind: 'overflow', dropped, total });
        queueMicrotask(tellStatus);
      },
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const opened = open();

/**
 * What the daemon's thread was last told of the status: it keeps that copy for `/api/health`
 * and `/api/metrics`, which must not wait for this thread (a synchronous question blocks the
 * daemon's event loop until this thread gets a core). Sent whenever it changed.
 */
let toldStatus: WriterStatus | undefined;

function writerStatus(journal: LocalJournal): WriterStatus {
  return { status: journal.status, writeFailures: journal.writeFailures };
}

function sameStatus(a: WriterStatus, b: WriterStatus): boolean {
  const [x, y] = [a.status, b.status];
  return (
    a.writeFailures === b.writeFailures &&
    x.ok === y.ok &&
    x.error === y.error &&
    x.pending === y.pending &&
    x.dropped === y.dropped
  );
}

/** Tells the daemon's thread the status when it changed since it was last told. */
function tellStatus(): void {
  if (opened instanceof Error) return;
  const now = writerStatus(opened);
  if (toldStatus !== undefined && sameStatus(toldStatus, now)) return;
  toldStatus = now;
  notify({ kind: 'writer-status', ...now });
}

// The journal retries failed writes on timers of its own; a retry that fails again changes the
// failure count without any message here. Checked once a second (a comparison of five fields).
setInterval(tellStatus, STATUS_CHECK_MS).unref();

/** The highest call sequence recorded, and the end-of-turn commit while one is due. */
let recordedSeq = 0;
let commitDue: NodeJS.Immediate | undefined;

const commitAndTell = (journal: LocalJournal): void => {
  commitDue = undefined;
  journal.commit();
  // The status first: whoever waited for these calls reads it as of their write.
  tellStatus();
  notify({ kind: 'written', seq: recordedSeq });
};

function answer(journal: LocalJournal, question: WriterQuestion): unknown {
  switch (question.op) {
    case 'query':
      return journal.query(question.options);
    case 'position':
      return journal.position();
    case 'prune':
      return journal.prune();
    case 'status': {
      toldStatus = writerStatus(journal);
      return toldStatus;
    }
    case 'close': {
      if (commitDue !== undefined) clearImmediate(commitDue);
      const unwritten = journal.close();
      // What close wrote is on disk: the daemon thread may announce it.
      notify({ kind: 'written', seq: recordedSeq });
      return unwritten;
    }
  }
}

function ask(request: Extract<WriterRequest, { kind: 'ask' }>): void {
  let reply: WriterAnswer;
  try {
    if (opened instanceof Error) throw opened;
    reply = { id: request.id, ok: true, value: answer(opened, request.question) };
  } catch (error) {
    reply = {
      id: request.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  answers.postMessage(reply);
  Atomics.store(answered, 0, 1);
  Atomics.notify(answered, 0);
}

port.on('message', (requests: WriterRequest[]) => {
  for (const request of requests) handle(request);
});

function handle(request: WriterRequest): void {
  if (request.kind === 'ask') {
    ask(request);
    return;
  }
  // Not open: the daemon's thread failed to open it too (the first ask) and records nothing.
  if (opened instanceof Error) return;
  const journal = opened;
  switch (request.kind) {
    case 'record':
      journal.record(request.call, request.position);
      recordedSeq = request.seq;
      commitDue ??= setImmediate(commitAndTell, journal);
      return;
    case 'directory-name':
      journal.setDirectoryName(request.call, request.party, request.name);
      return;
    case 'retention':
      journal.setRetentionDays(request.days);
      return;
  }
}
