import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { FinishedCall } from '@snomlink/core';
import type { JournalPage } from '../api/schemas.js';
import { reapplyHeapTuning } from '../heap-tuning.js';
import { openJournal } from './journal.js';
import type {
  Journal,
  JournalOptions,
  JournalQueryOptions,
  JournalStatus,
  LocalJournal,
} from './journal.js';
import type {
  ThreadJournalOptions,
  WriterAnswer,
  WriterNotice,
  WriterQuestion,
  WriterRequest,
  WriterStatus,
  WriterThreadData,
} from './journal-thread-protocol.js';

/** Starts the writer thread with its data (the default: the bundled `journal-thread-worker.js`). */
export type StartWriterThread = (data: WriterThreadData, transfer: MessagePort[]) => Worker;

/**
 * The writer thread as built next to this module (dist/journal-thread-worker.js). Run from the
 * TypeScript source (tests), there is none: that is said at once, not after the answer timeout.
 */
export const startBundledWriterThread: StartWriterThread = (data, transfer) => {
  const file = new URL('./journal-thread-worker.js', import.meta.url);
  if (!existsSync(file)) {
    throw new Error(
      `the journal's writer thread ${fileURLToPath(file)} is missing (running from source? pass startWriterThread, or set journal.writerThread to false)`,
    );
  }
  return new Worker(file, {
    workerData: data,
    transferList: transfer,
    // A small young generation (the thread allocates a call at a time); the old generation's cap
    // leaves room for `maxPending` calls queued while the database fails (~1 KB each). A thread
    // that runs out dies, and the daemon's thread takes over (see JournalThread).
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 },
  });
};

/** Options of {@link openJournalThread}. */
export interface JournalThreadOptions {
  /** How the writer thread is started (tests start the TypeScript source). */
  readonly start?: StartWriterThread;
  /** How long a read (`query`, `position`, `status`, `close`) waits for the thread. Default 10 000. */
  readonly answerTimeoutMs?: number;
}

/** A call sent to the thread and not yet reported written: sent again if the thread dies. */
interface Unwritten {
  readonly seq: number;
  readonly call: FinishedCall;
  readonly position: number | undefined;
}

/** What waits for the thread to report a call sequence written. */
interface Waiter {
  readonly seq: number;
  readonly written: () => void;
}

const NOT_ANSWERED = 0;

/**
 * The least time between two posts to the writer thread, ms: a group commit window. Each post
 * wakes the thread, which competes with the daemon's thread for a core, and is one transaction:
 * at saturation the daemon finished ~1,300 calls a second, nearly one per turn of its event
 * loop, and posting each was 8 % of its busy time (issue 19). Requests made within this time of
 * the last post go together in the next one. 10 ms instead of 2 ms raised the Action URLs a
 * second at saturation by 10–20 % side by side (~100 posts a second instead of ~420). The price:
 * a call that finishes within 10 ms of the last post is announced (`call-finished`, webhooks)
 * up to 10 ms later; a call finishing after a quiet spell is posted at the end of its turn.
 */
export const POST_INTERVAL_MS = 10;

/**
 * The journal, written by a worker thread (issue 19). SQLite is synchronous, so in the daemon's
 * thread every finished call cost a transaction on the event loop (~50 µs of CPU and up to
 * tens of ms on a busy disk). Here the daemon's thread only posts the call; the writer thread
 * writes whatever arrived meanwhile in one transaction and reports it written, and the daemon
 * announces those calls finished then ({@link Journal.whenWritten}). Reads (`query`, `position`,
 * `prune`) and `close` are answered synchronously: the daemon's thread waits on a shared flag
 * (`Atomics.wait`) for the thread's answer, which comes after every call posted before it.
 * `status` and `writeFailures` are not asked: the thread reports each change of them, and they
 * are read from that report (health checks and metrics never wait for the thread).
 *
 * If the thread dies, the journal falls back to SQLite in the daemon's thread, with the calls
 * the thread had not reported written; `status` and the log say so.
 */
export function openJournalThread(
  options: JournalOptions,
  threadOptions: JournalThreadOptions = {},
): Journal {
  return new JournalThread(options, threadOptions);
}

/** The functions of {@link JournalOptions}; they stay in this thread and hear the thread's notices. */
function threadSafe(options: JournalOptions): ThreadJournalOptions {
  const { file, retentionDays, retryInitialMs, retryMaxMs, busyTimeoutMs } = options;
  const { closeBusyTimeoutMs, maxPending } = options;
  const plain = {
    file,
    retentionDays,
    retryInitialMs,
    retryMaxMs,
    busyTimeoutMs,
    closeBusyTimeoutMs,
    maxPending,
  };
  return Object.fromEntries(
    Object.entries(plain).filter(([, value]) => value !== undefined),
  ) as ThreadJournalOptions;
}

class JournalThread implements Journal {
  readonly #options: JournalOptions;
  readonly #answerTimeoutMs: number;
  readonly #worker: Worker;
  readonly #answers: MessagePort;
  readonly #answered = new Int32Array(new SharedArrayBuffer(4));
  #lastSeq = 0;
  #lastAskId = 0;
  /** Oldest first; at most `maxPending` (beyond, the oldest are no longer kept for a re-send). */
  #unwritten: Unwritten[] = [];
  #waiters: Waiter[] = [];
  /** Requests not yet posted, in order: they go in one message (see {@link POST_INTERVAL_MS}). */
  #outbox: WriterRequest[] = [];
  /** The post of the outbox when due (a timer within the interval, else an immediate). */
  #postDue: { readonly cancel: () => void } | undefined;
  #lastPostAt = Number.NEGATIVE_INFINITY;
  /**
   * The status and failure count as the thread last reported them (it reports each change):
   * `status` and `writeFailures` are read by every `/api/health` and `/api/metrics` request, and
   * asking the thread would block the event loop until the thread gets a core.
   */
  #writerStatus: WriterStatus;
  /** Set when the thread died: the journal in this thread that took over. */
  #fallback: LocalJournal | null = null;
  #closed = false;

  constructor(options: JournalOptions, threadOptions: JournalThreadOptions) {
    this.#options = options;
    this.#answerTimeoutMs = threadOptions.answerTimeoutMs ?? 10_000;
    const { port1, port2 } = new MessageChannel();
    this.#answers = port1;
    const start = threadOptions.start ?? startBundledWriterThread;
    this.#worker = start(
      { options: threadSafe(options), answered: this.#answered, answers: port2 },
      [port2],
    );
    this.#worker.on('message', (notice: WriterNotice) => {
      this.#hear(notice);
    });
    this.#worker.on('error', (error) => {
      this.#takeOver(error);
    });
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#takeOver(new Error(`exited with code ${String(code)}`));
    });
    try {
      // Fails here, like openJournal, when the file cannot be opened at all.
      this.#writerStatus = this.#ask({ op: 'status' }) as WriterStatus;
    } catch (error) {
      this.#closed = true;
      this.#answers.close();
      void this.#worker.terminate();
      throw error;
    }
    // The thread has answered, so its isolate exists: creating it undid the daemon's young
    // generation cap (heap-tuning.ts), which cost 17-37 MB of RSS before this line.
    reapplyHeapTuning();
  }

  record(call: FinishedCall, position?: number): void {
    if (this.#closed) return;
    if (this.#fallback !== null) {
      this.#fallback.record(call, position);
      return;
    }
    const seq = ++this.#lastSeq;
    this.#unwritten.push({ seq, call, position });
    const max = Math.max(1, this.#options.maxPending ?? 10_000);
    if (this.#unwritten.length > max) this.#unwritten.splice(0, this.#unwritten.length - max);
    this.#post({ kind: 'record', seq, call, position });
  }

  whenWritten(written: () => void): void {
    if (this.#fallback !== null || this.#unwritten.length === 0) {
      this.#fallback?.commit();
      written();
      return;
    }
    this.#waiters.push({ seq: this.#lastSeq, written });
  }

  position(): number {
    return this.#fallback?.position() ?? (this.#ask({ op: 'position' }) as number);
  }

  query(options?: JournalQueryOptions): JournalPage {
    return this.#fallback?.query(options) ?? (this.#ask({ op: 'query', options }) as JournalPage);
  }

  prune(): number {
    return this.#fallback?.prune() ?? (this.#ask({ op: 'prune' }) as number);
  }

  setRetentionDays(days: number): void {
    if (this.#fallback !== null) this.#fallback.setRetentionDays(days);
    else this.#post({ kind: 'retention', days });
  }

  setDirectoryName(
    call: { phoneId: string; callId: string },
    party: Parameters<Journal['setDirectoryName']>[1],
    name: string,
  ): void {
    if (this.#fallback !== null) this.#fallback.setDirectoryName(call, party, name);
    else this.#post({ kind: 'directory-name', call, party, name });
  }

  get status(): JournalStatus {
    return this.#fallback?.status ?? this.#writerStatus.status;
  }

  get writeFailures(): number {
    return this.#fallback?.writeFailures ?? this.#writerStatus.writeFailures;
  }

  close(): number {
    if (this.#closed) return 0;
    let unwritten: number;
    if (this.#fallback !== null) {
      this.#closed = true;
      unwritten = this.#fallback.close();
    } else {
      unwritten = this.#ask({ op: 'close' }) as number;
      this.#closed = true;
      void this.#worker.terminate();
    }
    this.#answers.close();
    this.#release(Number.POSITIVE_INFINITY);
    return unwritten;
  }

  /** Queues a request for the next post (in order with every other request). */
  #post(request: WriterRequest): void {
    this.#outbox.push(request);
    if (this.#postDue !== undefined) return;
    const flush = (): void => {
      this.#postDue = undefined;
      this.#flush();
    };
    const wait = this.#lastPostAt + POST_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      const immediate = setImmediate(flush);
      this.#postDue = {
        cancel: () => {
          clearImmediate(immediate);
        },
      };
    } else {
      const timer = setTimeout(flush, wait);
      this.#postDue = {
        cancel: () => {
          clearTimeout(timer);
        },
      };
    }
  }

  /** Posts every queued request now, as one message. */
  #flush(): void {
    this.#postDue?.cancel();
    this.#postDue = undefined;
    if (this.#outbox.length === 0) return;
    const requests = this.#outbox;
    this.#outbox = [];
    this.#lastPostAt = performance.now();
    this.#worker.postMessage(requests);
  }

  #hear(notice: WriterNotice): void {
    switch (notice.kind) {
      case 'written':
        this.#release(notice.seq);
        return;
      case 'status':
        this.#options.onStatus?.(notice.status);
        return;
      case 'writer-status':
        this.#writerStatus = { status: notice.status, writeFailures: notice.writeFailures };
        return;
      case 'dropped':
        this.#options.onDropped?.(notice.call, new Error(notice.error));
        return;
      case 'overflow':
        this.#options.onOverflow?.(notice.dropped, notice.total);
        return;
    }
  }

  /** Forgets the calls up to `seq` (written) and calls back whoever waited for them. */
  #release(seq: number): void {
    let keep = 0;
    while (keep < this.#unwritten.length && (this.#unwritten[keep]?.seq ?? 0) <= seq) keep++;
    if (keep > 0) this.#unwritten.splice(0, keep);
    let due = 0;
    while (due < this.#waiters.length && (this.#waiters[due]?.seq ?? 0) <= seq) due++;
    for (const waiter of this.#waiters.splice(0, due)) waiter.written();
  }

  /** Asks the thread and waits for its answer (after everything posted before). */
  #ask(question: WriterQuestion): unknown {
    if (this.#closed) throw new Error('the journal is closed');
    const id = ++this.#lastAskId;
    Atomics.store(this.#answered, 0, NOT_ANSWERED);
    this.#post({ kind: 'ask', id, question });
    this.#flush();
    const deadline = Date.now() + this.#answerTimeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.#answers);
      if (received !== undefined) {
        const reply = received.message as WriterAnswer;
        if (reply.id !== id) continue; // a late answer to an ask that timed out
        if (!reply.ok) throw new Error(reply.error);
        return reply.value;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#fallback !== null) {
        throw new Error(
          `the journal's writer thread did not answer ${question.op} within ${String(this.#answerTimeoutMs)} ms`,
        );
      }
      Atomics.wait(this.#answered, 0, NOT_ANSWERED, left);
      Atomics.store(this.#answered, 0, NOT_ANSWERED);
    }
  }

  /**
   * The thread died: SQLite in this thread takes over, with every call the thread had not
   * reported written (INSERT OR IGNORE keeps one row of a call written twice).
   */
  #takeOver(cause: unknown): void {
    if (this.#fallback !== null || this.#closed) return;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#options.onStatus?.({
      ok: false,
      error: `the journal's writer thread stopped (${reason}); writing in the daemon's thread`,
      pending: this.#unwritten.length,
      dropped: 0,
    });
    void this.#worker.terminate();
    // The calls not yet posted are in #unwritten too; a directory name the thread never got is
    // lost, as one it got and had not written.
    this.#postDue?.cancel();
    this.#postDue = undefined;
    this.#outbox = [];
    const fallback = openJournal(this.#options);
    this.#fallback = fallback;
    for (const { call, position } of this.#unwritten.splice(0)) fallback.record(call, position);
    fallback.commit();
    this.#release(Number.POSITIVE_INFINITY);
  }
}
