import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { JournalEntry, JournalPage as Page } from '../api/types.js';
import { NotifyTestCard } from '../components/notify-test.js';
import { ErrorBox, Field, Select, useAction, useLoad } from '../components/ui.js';
import { formatDuration, formatTimestamp } from '../lib/format.js';
import { journalCsv } from '../lib/journal-csv.js';
import {
  journalFiltersFromSearch,
  journalFiltersToSearch,
  type JournalFilters as Filters,
} from '../lib/journal-filters.js';
import { navigate, usePath } from '../router.js';
import { useLive } from '../store.js';

const PAGE_SIZE = 50;
/** CSV export fetches at most this many rows (pages of 500). */
const EXPORT_MAX = 20_000;

function query(filters: Filters, limit: number, before: number | null): string {
  const p = new URLSearchParams({ limit: String(limit) });
  if (before !== null) p.set('before', String(before));
  if (filters.phone !== '') p.set('phone', filters.phone);
  if (filters.direction !== '') p.set('direction', filters.direction);
  if (filters.missed !== '') p.set('missed', filters.missed);
  if (filters.q.trim() !== '') p.set('q', filters.q.trim());
  return `/api/journal?${p.toString()}`;
}

function download(name: string, text: string): void {
  // BOM so spreadsheet programs read UTF-8 names correctly.
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}

/**
 * The phone filter's choices. The filtered phone is always one of them: the phone list
 * arrives after the page (a link from a missed-call e-mail opens before it), and a phone
 * removed since keeps its journal rows; without its option the select would show "all".
 */
function phoneOptions(
  phones: readonly { id: string; name: string }[],
  selected: string,
): (readonly [string, string])[] {
  const options = phones.map((p) => [p.id, p.name !== '' ? `${p.name} (${p.id})` : p.id] as const);
  if (selected !== '' && !phones.some((p) => p.id === selected)) options.push([selected, selected]);
  return [['', 'all'], ...options];
}

/** Finished calls, newest first, with filters, paging and CSV export. */
export function JournalPage(): JSX.Element {
  const live = useLive();
  // The URL's query is where the filters live (`/journal?phone=…&missed=true&q=…`, as the
  // missed-call e-mail links it): applying the form writes it, back/forward reads it.
  const path = usePath();
  const search = path.includes('?') ? path.slice(path.indexOf('?')) : '';
  const filtersKey = journalFiltersToSearch(journalFiltersFromSearch(search));
  const [filters, setFilters] = useState<Filters>(() => journalFiltersFromSearch(search));
  const [draft, setDraft] = useState<Filters>(filters);
  /** `before` cursors of the pages we came through; the last one is the page shown. */
  const [cursors, setCursors] = useState<readonly (number | null)[]>([null]);
  useEffect(() => {
    if (filtersKey === journalFiltersToSearch(filters)) return;
    const next = journalFiltersFromSearch(filtersKey);
    setFilters(next);
    setDraft(next);
    setCursors([null]);
  }, [filtersKey]);
  const before = cursors[cursors.length - 1] ?? null;
  const page = useLoad(
    (signal) => api<Page>('GET', query(filters, PAGE_SIZE, before), { signal }),
    [filters, before],
  );
  const exporting = useAction();

  // A call just finished: refresh the first page (later pages keep still until you go back).
  useEffect(() => {
    if (live.finishedCalls > 0 && before === null) page.reload();
  }, [live.finishedCalls]);

  const entries: readonly JournalEntry[] = page.value?.entries ?? [];
  return (
    <>
      <h1>Journal</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([null]);
          const next = journalFiltersToSearch(draft);
          if (next !== filtersKey) navigate(`/journal${next}`);
        }}
      >
        <div class="grid">
          <Field id="j-phone" label="Phone">
            <Select
              id="j-phone"
              value={draft.phone}
              options={phoneOptions(live.phones ?? [], draft.phone)}
              onChange={(phone) => {
                setDraft({ ...draft, phone });
              }}
            />
          </Field>
          <Field id="j-direction" label="Direction">
            <Select
              id="j-direction"
              value={draft.direction}
              options={[
                ['', 'all'],
                ['inbound', 'inbound'],
                ['outbound', 'outbound'],
              ]}
              onChange={(direction) => {
                setDraft({ ...draft, direction });
              }}
            />
          </Field>
          <Field id="j-missed" label="Missed">
            <Select
              id="j-missed"
              value={draft.missed}
              options={[
                ['', 'all calls'],
                ['true', 'missed only'],
                ['false', 'answered and outgoing'],
              ]}
              onChange={(missed) => {
                setDraft({ ...draft, missed });
              }}
            />
          </Field>
          <Field id="j-q" label="Number or name">
            <input
              id="j-q"
              type="search"
              value={draft.q}
              onInput={(e) => {
                setDraft({ ...draft, q: e.currentTarget.value });
              }}
            />
          </Field>
        </div>
        <div class="row">
          <button class="primary" type="submit">
            Apply filters
          </button>
          <button
            type="button"
            disabled={exporting.busy}
            onClick={() => {
              void exporting.run(async () => {
                const all: JournalEntry[] = [];
                let cursor: number | null = null;
                do {
                  const p: Page = await api<Page>('GET', query(filters, 500, cursor));
                  all.push(...p.entries);
                  cursor = p.nextBefore;
                } while (cursor !== null && all.length < EXPORT_MAX);
                download(
                  `snomlink-journal-${new Date().toISOString().slice(0, 10)}.csv`,
                  journalCsv(all),
                );
              });
            }}
          >
            Export CSV
          </button>
        </div>
        <ErrorBox error={exporting.error} />
      </form>
      <ErrorBox error={page.error} />
      <div class="card table-wrap">
        {page.loading && page.value === undefined ? (
          <p class="muted">Loading…</p>
        ) : entries.length === 0 ? (
          <p class="muted">No calls match.</p>
        ) : (
          <table data-testid="journal">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Phone</th>
                <th scope="col">Direction</th>
                <th scope="col">Caller / callee</th>
                <th scope="col">Talk time</th>
                <th scope="col">End</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-call={e.callId}>
                  <td class="mono">{formatTimestamp(e.startedAt)}</td>
                  <td>{e.phoneId}</td>
                  <td>
                    {e.direction}
                    {e.missed ? (
                      <>
                        {' '}
                        <span class="badge bad">missed</span>
                      </>
                    ) : null}
                  </td>
                  <td style={{ overflowWrap: 'anywhere' }}>
                    {e.remoteDirectoryName !== null && e.remoteDirectoryName !== e.remoteName ? (
                      <div data-testid="journal-directory-name" title="from the directory">
                        {e.remoteDirectoryName}
                      </div>
                    ) : null}
                    {e.remoteName !== null && e.remoteName !== '' ? (
                      <div>{e.remoteName}</div>
                    ) : null}
                    <span class="mono">{e.remoteCanonical ?? e.remoteNumber ?? 'unknown'}</span>
                  </td>
                  <td class="mono">
                    {e.connectedAt === null ? '—' : formatDuration(e.durationMs)}
                  </td>
                  <td>{e.disconnectMode ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div class="row">
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => {
            setCursors(cursors.slice(0, -1));
          }}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={page.value?.nextBefore == null}
          onClick={() => {
            const next = page.value?.nextBefore;
            if (next != null) setCursors([...cursors, next]);
          }}
        >
          Older
        </button>
        <span class="muted small">Page {cursors.length}</span>
      </div>
      <NotifyTestCard />
    </>
  );
}
