import type { MessagePort } from 'node:worker_threads';
import type { FinishedCall, NamedParty } from '@snomlink/core';
import type { JournalOptions, JournalQueryOptions, JournalStatus } from './journal.js';

// The messages between the daemon's thread and the journal's writer thread (journal-thread.ts,
// journal-thread-worker.ts). Every message is structured-cloned, so nothing here holds a function.

/** The journal options that can cross to the writer thread (the hooks come back as messages). */
export type ThreadJournalOptions = Pick<
  JournalOptions,
  | 'file'
  | 'retentionDays'
  | 'retryInitialMs'
  | 'retryMaxMs'
  | 'busyTimeoutMs'
  | 'closeBusyTimeoutMs'
  | 'maxPending'
>;

/** What the writer thread is started with (`workerData`). */
export interface WriterThreadData {
  readonly options: ThreadJournalOptions;
  /** Set to 1 (and notified) by the writer after each answer it puts on `answers`. */
  readonly answered: Int32Array;
  /** Where the writer puts the answers to {@link WriterRequest}s of kind `ask`. */
  readonly answers: MessagePort;
}

/** A question the daemon's thread waits for (synchronously: `Atomics.wait`). */
export type WriterQuestion =
  | { readonly op: 'query'; readonly options: JournalQueryOptions | undefined }
  | { readonly op: 'position' }
  | { readonly op: 'prune' }
  | { readonly op: 'status' }
  | { readonly op: 'close' };

/** Daemon thread → writer thread, in order on one port, several in one message (an array). */
export type WriterRequest =
  | {
      readonly kind: 'record';
      /** Increasing per journal: the writer says up to which it has written. */
      readonly seq: number;
      readonly call: FinishedCall;
      readonly position: number | undefined;
    }
  | {
      readonly kind: 'directory-name';
      readonly call: { readonly phoneId: string; readonly callId: string };
      readonly party: NamedParty;
      readonly name: string;
    }
  | { readonly kind: 'retention'; readonly days: number }
  | { readonly kind: 'ask'; readonly id: number; readonly question: WriterQuestion };

/** The answer to one `ask`, on the answers port. */
export type WriterAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * The journal's status and failure count: the answer to the `status` question, and the
 * `writer-status` notice the writer sends whenever either changed.
 */
export interface WriterStatus {
  readonly status: JournalStatus;
  readonly writeFailures: number;
}

/** Writer thread → daemon thread, on the worker's own port. */
export type WriterNotice =
  /** Every call up to `seq` is written (or queued for the retry timer while the database fails). */
  | { readonly kind: 'written'; readonly seq: number }
  | { readonly kind: 'status'; readonly status: JournalStatus }
  /** The status or failure count changed (pending calls while failing, a write failed again). */
  | ({ readonly kind: 'writer-status' } & WriterStatus)
  | { readonly kind: 'dropped'; readonly call: FinishedCall; readonly error: string }
  | { readonly kind: 'overflow'; readonly dropped: number; readonly total: number };
