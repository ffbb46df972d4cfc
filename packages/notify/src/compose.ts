import type { FinishedCall } from '@snomlink/core';

/** One missed call as the mail shows it. */
export interface MissedCallEntry {
  readonly callId: string;
  readonly lineId: string;
  readonly lineName: string;
  readonly number: string | null;
  readonly name: string | null;
  /** Epoch ms when the caller gave up. */
  readonly at: number;
}

/** What {@link composeMail} needs besides the calls. */
export interface ComposeOptions {
  readonly locale: string;
  readonly timeZone?: string | undefined;
  readonly journalUrl?: string | undefined;
}

/** Subject, text and HTML of one mail. */
export interface ComposedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Longest caller name or line name we put into a mail. */
const MAX_TEXT = 120;

/**
 * Hostile text made safe for a header or a line of the text body: every control, line and
 * paragraph separator becomes a space (so CR/LF can never start a new header or a fake body
 * line), runs of spaces collapse, and it is cut to a sane length.
 */
export function singleLine(value: string, max = MAX_TEXT): string {
  const flat = value
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The journal link for a call: the journal page filtered to its line and missed calls. */
export function journalLink(base: string, entry: MissedCallEntry): string {
  const url = new URL(base);
  url.searchParams.set('phone', entry.lineId);
  url.searchParams.set('missed', 'true');
  if (entry.number !== null) url.searchParams.set('q', entry.number);
  return url.toString();
}

/** A missed-call entry from a finished call and the line's display name. */
export function entryFromCall(call: FinishedCall, lineName: string): MissedCallEntry {
  return {
    callId: call.id,
    lineId: call.phoneId,
    lineName,
    number: call.callerId.number,
    name: call.callerId.displayName,
    at: call.endedAt,
  };
}

function callerText(entry: MissedCallEntry): string {
  const name = entry.name === null ? '' : singleLine(entry.name);
  const number = entry.number === null ? '' : singleLine(entry.number, 64);
  if (name !== '' && number !== '') return `${name} (${number})`;
  if (number !== '') return number;
  if (name !== '') return name;
  return 'an unknown caller';
}

/**
 * Subject and bodies for one or more missed calls. Every name and number is flattened to one
 * line; the HTML part escapes everything. One call: "Missed call from …"; more: "N missed calls".
 */
export function composeMail(
  entries: readonly MissedCallEntry[],
  options: ComposeOptions,
): ComposedMail {
  const format = new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  });
  const lineNames = [...new Set(entries.map((e) => singleLine(e.lineName)))];
  const first = entries[0];
  const subject =
    entries.length === 1 && first !== undefined
      ? `Missed call from ${callerText(first)} on ${singleLine(first.lineName)}`
      : `${entries.length} missed calls on ${singleLine(lineNames.join(', '), 160)}`;

  const textBlocks: string[] = [];
  const htmlRows: string[] = [];
  for (const entry of entries) {
    const time = format.format(new Date(entry.at));
    const link = options.journalUrl === undefined ? null : journalLink(options.journalUrl, entry);
    const line = `${singleLine(entry.lineName)} (${singleLine(entry.lineId, 64)})`;
    textBlocks.push(
      [
        `Caller: ${callerText(entry)}`,
        `Number: ${entry.number === null ? 'withheld' : singleLine(entry.number, 64)}`,
        `Name:   ${entry.name === null ? '-' : singleLine(entry.name)}`,
        `Time:   ${time}`,
        `Line:   ${line}`,
        ...(link === null ? [] : [`Journal: ${link}`]),
      ].join('\n'),
    );
    htmlRows.push(
      `<tr><td>${escapeHtml(time)}</td><td>${escapeHtml(entry.number ?? 'withheld')}</td>` +
        `<td>${escapeHtml(entry.name === null ? '' : singleLine(entry.name))}</td>` +
        `<td>${escapeHtml(line)}</td>` +
        `<td>${link === null ? '' : `<a href="${escapeHtml(link)}">journal</a>`}</td></tr>`,
    );
  }
  const intro = entries.length === 1 ? 'You missed a call.' : `You missed ${entries.length} calls.`;
  const text = `${intro}\n\n${textBlocks.join('\n\n')}\n\n-- \nsnomlink\n`;
  const html =
    `<!doctype html><html><body><p>${escapeHtml(intro)}</p>` +
    `<table border="1" cellpadding="4" cellspacing="0"><thead><tr><th>Time</th><th>Number</th>` +
    `<th>Name</th><th>Line</th><th></th></tr></thead><tbody>${htmlRows.join('')}</tbody></table>` +
    `<p>snomlink</p></body></html>`;
  return { subject, text, html };
}
