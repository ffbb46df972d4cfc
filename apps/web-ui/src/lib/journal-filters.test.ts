import { describe, expect, it } from 'vitest';
import { journalFiltersFromSearch, journalFiltersToSearch } from './journal-filters.js';

describe('journal filters in the URL', () => {
  it("reads the missed-call e-mail's link", () => {
    expect(journalFiltersFromSearch('?phone=desk-1&missed=true&q=%2B4930123456')).toEqual({
      phone: 'desk-1',
      direction: '',
      missed: 'true',
      q: '+4930123456',
    });
  });

  it('treats invalid or unknown parameters as no filter', () => {
    expect(journalFiltersFromSearch('?direction=sideways&missed=maybe&token=x')).toEqual({
      phone: '',
      direction: '',
      missed: '',
      q: '',
    });
    expect(journalFiltersFromSearch('')).toEqual(journalFiltersFromSearch('?'));
  });

  it('writes only the filters set, and reads back what it wrote', () => {
    expect(journalFiltersToSearch({ phone: '', direction: '', missed: '', q: '  ' })).toBe('');
    const filters = {
      phone: 'desk 2',
      direction: 'inbound',
      missed: 'false',
      q: 'Jörg & Co',
    } as const;
    const search = journalFiltersToSearch(filters);
    expect(search).toBe('?phone=desk+2&direction=inbound&missed=false&q=J%C3%B6rg+%26+Co');
    expect(journalFiltersFromSearch(search)).toEqual(filters);
  });
});
