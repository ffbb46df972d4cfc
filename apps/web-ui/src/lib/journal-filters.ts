/** The journal page's filters, as its form and its URL hold them. */
export interface JournalFilters {
  phone: string;
  direction: '' | 'inbound' | 'outbound';
  missed: '' | 'true' | 'false';
  q: string;
}

/** No filter: every call. */
export const NO_JOURNAL_FILTERS: JournalFilters = { phone: '', direction: '', missed: '', q: '' };

/**
 * The filters a journal URL's query asks for (`?phone=desk&missed=true&q=%2B4930…`, the link
 * in a missed-call e-mail). Unknown parameters are ignored and invalid values mean "all", so
 * a hand-edited or truncated link still opens the journal.
 */
export function journalFiltersFromSearch(search: string): JournalFilters {
  const p = new URLSearchParams(search);
  const direction = p.get('direction');
  const missed = p.get('missed');
  return {
    phone: (p.get('phone') ?? '').trim().slice(0, 64),
    direction: direction === 'inbound' || direction === 'outbound' ? direction : '',
    missed: missed === 'true' || missed === 'false' ? missed : '',
    q: (p.get('q') ?? '').slice(0, 200),
  };
}

/** `?phone=…&missed=…` for the filters set (empty string when none), in a stable order. */
export function journalFiltersToSearch(filters: JournalFilters): string {
  const p = new URLSearchParams();
  if (filters.phone !== '') p.set('phone', filters.phone);
  if (filters.direction !== '') p.set('direction', filters.direction);
  if (filters.missed !== '') p.set('missed', filters.missed);
  if (filters.q.trim() !== '') p.set('q', filters.q.trim());
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}
