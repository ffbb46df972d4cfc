import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inferCallEvents, type LogScanCursor } from './infer-call-events.js';
import { parseLog } from './parse-log.js';

const dir = new URL('./__fixtures__/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const expected = (name: string): unknown => JSON.parse(read(`${name}.events.json`));

function scan(texts: readonly string[]): { events: unknown[]; cursor: LogScanCursor | undefined } {
  let cursor: LogScanCursor | undefined;
  const events: unknown[] = [];
  for (const text of texts) {
    const result = inferCallEvents(parseLog(text).records, cursor, { phoneId: 'p1', now: 1000 });
    cursor = result.cursor;
    for (const e of result.events) {
      expect(e).toMatchObject({ phoneId: 'p1', source: 'log-scan', receivedAt: 1000 });
      events.push({ kind: e.kind, params: e.params });
    }
  }
  return { events, cursor };
}

describe('fixture logs', () => {
  const cases: [string, string][] = [
    ['incoming-answered', 'incoming-answered.htm'],
    ['outgoing-answered', 'outgoing-answered.txt'],
    ['missed-crlf', 'missed-crlf.txt'],
    ['compact-headers', 'compact-headers.txt'],
    ['interleaved', 'interleaved.txt'],
    ['wrapped-buffer', 'wrapped-buffer.htm'],
    ['html-br-entities', 'html-br-entities.htm'],
    // Public formats (snom-evidence.md §4); each fixture names its source in its first lines.
    ['public-trace-incoming', 'public-trace-incoming.txt'],
    ['public-trace-rejected', 'public-trace-rejected.htm'],
    ['fw7-log-outgoing-busy', 'fw7-log-outgoing-busy.txt'],
    ['fw8-log-missed-compact', 'fw8-log-missed-compact.txt'],
  ];

  it.each(cases)('%s yields the expected events', (name, file) => {
    expect(scan([read(file)]).events).toEqual(expected(name));
  });

  it.each(cases)('%s read twice emits nothing the second time', (_name, file) => {
    const text = read(file);
    const once = scan([text]).events;
    expect(scan([text, text]).events).toEqual(once);
  });

  it('a log cleared mid-call: the second read (after the clear) completes the call', () => {
    const first = read('cleared-mid-call.1.htm');
    const second = read('cleared-mid-call.2.htm');
    expect(scan([first, second]).events).toEqual(expected('cleared-mid-call'));
    // Reading the pre-clear log again after the clear still emits nothing twice.
    expect(scan([first, second, first, second]).events).toEqual(expected('cleared-mid-call'));
  });

  it('the wrapped buffer reports the cut-off message instead of misreading it', () => {
    const { records, issues } = parseLog(read('wrapped-buffer.htm'));
    expect(issues.map((i) => i.kind)).toContain('truncated-message');
    const sip = records.filter((r) => r.type === 'sip');
    // The fragment `2.0 200 OK …` of old-call is not a record.
    expect(sip.filter((r) => r.callId === 'old-call@pbx.example').map((r) => r.method)).toEqual([
      'ACK',
      'BYE',
      null,
    ]);
  });

  it('CRLF and LF versions of a log parse to the same records', () => {
    const crlf = read('missed-crlf.txt');
    expect(parseLog(crlf).records).toEqual(parseLog(crlf.replace(/\r\n/g, '\n')).records);
  });
});
