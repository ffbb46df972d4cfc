import type { JournalEntry } from '@snomlink/daemon/api';
import { describe, expect, it } from 'vitest';
import { journalCsv } from './journal-csv.js';

const entry: JournalEntry = {
  id: 1,
  callId: 'c1',
  sipCallId: 'c1@pbx',
  phoneId: 'desk-201',
  direction: 'inbound',
  locality: 'external',
  remoteNumber: '+4930123456',
  remoteCanonical: '+49 (30) 123456',
  remoteName: '=HYPERLINK("http://evil")',
  remoteDirectoryName: null,
  callerNumber: '+4930123456',
  callerCanonical: '+49 (30) 123456',
  callerName: '=HYPERLINK("http://evil")',
  callerDirectoryName: null,
  calledNumber: '201',
  calledCanonical: '201',
  calledName: null,
  calledDirectoryName: null,
  startedAt: Date.UTC(2026, 10, 26, 10, 0, 0),
  connectedAt: Date.UTC(2026, 10, 26, 10, 0, 5),
  endedAt: Date.UTC(2026, 10, 26, 10, 1, 5),
  durationMs: 60_000,
  disconnectMode: 'normal',
  missed: false,
};

describe('journalCsv', () => {
  it('writes one neutralised row per entry', () => {
    const lines = journalCsv([entry]).split('\r\n');
    expect(lines[0]).toBe(
      'started,ended,phone,direction,missed,number,canonical,name,duration_s,disconnect,call_id',
    );
    expect(lines[1]).toBe(
      `2026-11-26T10:00:00.000Z,2026-11-26T10:01:05.000Z,desk-201,inbound,no,'+4930123456,'+49 (30) 123456,"'=HYPERLINK(""http://evil"")",60,normal,c1`,
    );
    expect(lines[2]).toBe('');
  });
});
