import type { FinishedCall, NamedParty } from '@snomlink/core';
import type { JournalPage } from '../api/schemas.js';
import { openJournal } from './journal.js';
import type { Journal, JournalOptions, JournalQueryOptions, JournalStatus } from './journal.js';

/**
 * A {@link Journal} that exists before its database does: the daemon hands it to the admin API
 * and the metrics when it is created and opens SQLite in `start()`. Until then it answers
 * "not open" (status not ok, queries refused) and keeps recorded calls for the open.
 */
export interface DeferredJournal extends Journal {
  /**
   * Opens the database with `openWith`: {@link openJournal} (SQLite in this thread, the default)
   * or `openJournalThread` (a writer thread); throws like it when the file cannot be opened.
   */
  open(options: JournalOptions, openWith?: (options: JournalOptions) => Journal): void;
  /** Whether {@link DeferredJournal.open} succeeded. */
  readonly isOpen: boolean;
}

const NOT_OPEN = 'the journal is not open yet (the daemon has not started)';

/** The journal before and after its database is opened; all state is here. */
class Deferred implements DeferredJournal {
  #journal: Journal | null = null;
  #early: { call: FinishedCall; position: number | undefined }[] = [];
  #retentionDays: number | undefined;

  get isOpen(): boolean {
    return this.#journal !== null;
  }

  open(options: JournalOptions, openWith: (o: JournalOptions) => Journal = openJournal): void {
    if (this.#journal !== null) throw new Error('the journal is already open');
    this.#journal = openWith({
      ...options,
      ...(this.#retentionDays === undefined ? {} : { retentionDays: this.#retentionDays }),
    });
    for (const { call, position } of this.#early.splice(0)) this.#journal.record(call, position);
  }

  record(call: FinishedCall, position?: number): void {
    if (this.#journal === null) this.#early.push({ call, position });
    else this.#journal.record(call, position);
  }

  whenWritten(written: () => void): void {
    // Not open yet: the calls wait in memory for the open, which writes them.
    if (this.#journal === null) written();
    else this.#journal.whenWritten(written);
  }

  position(): number {
    // Not open yet: nothing is stored that could be resumed from.
    return this.#journal?.position() ?? 0;
  }

  query(options?: JournalQueryOptions): JournalPage {
    if (this.#journal === null) throw new Error(NOT_OPEN);
    return this.#journal.query(options);
  }

  prune(): number {
    return this.#journal?.prune() ?? 0;
  }

  setRetentionDays(days: number): void {
    if (this.#journal === null) this.#retentionDays = days;
    else this.#journal.setRetentionDays(days);
  }

  setDirectoryName(
    call: { phoneId: string; callId: string },
    party: NamedParty,
    name: string,
  ): void {
    // Before the open, no finished call can be waiting for a late name worth keeping.
    this.#journal?.setDirectoryName(call, party, name);
  }

  get status(): JournalStatus {
    return (
      this.#journal?.status ?? {
        ok: false,
        error: NOT_OPEN,
        pending: this.#early.length,
        dropped: 0,
      }
    );
  }

  get writeFailures(): number {
    return this.#journal?.writeFailures ?? 0;
  }

  close(): number {
    return this.#journal?.close() ?? this.#early.length;
  }
}

/** A journal to open later (see {@link DeferredJournal}). */
export function createDeferredJournal(): DeferredJournal {
  return new Deferred();
}
