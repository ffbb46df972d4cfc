import type { JournalEntry } from '@snomlink/daemon/api';
import { toCsv } from './csv.js';

const HEADER = [
  'started',
  'ended',
  'phone',
  'direction',
  'missed',
  'number',
  'canonical',
  'name',
  'duration_s',
  'disconnect',
  'call_id',
] as const;

/** Journal rows as a spreadsheet-safe CSV (ISO times, talk time in seconds). */
export function journalCsv(entries: readonly JournalEntry[]): string {
  return toCsv(
    HEADER,
    entries.map((e) => [
      new Date(e.startedAt).toISOString(),
      new Date(e.endedAt).toISOString(),
      e.phoneId,
      e.direction,
      e.missed ? 'yes' : 'no',
      e.remoteNumber,
      e.remoteCanonical,
      e.remoteName,
      Math.round(e.durationMs / 1000),
      e.disconnectMode,
      e.callId,
    ]),
  );
}
