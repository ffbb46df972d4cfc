/** Which way a SIP message went, as seen from the phone; `unknown` when the log does not say. */
export type SipDirection = 'sent' | 'received' | 'unknown';

/** The `CSeq` header taken apart: sequence number and method. */
export interface SipCSeq {
  readonly seq: number;
  readonly method: string;
}

/** One SIP message found in the log (request or response) with the headers call inference needs. */
export interface SipMessageRecord {
  readonly type: 'sip';
  readonly kind: 'request' | 'response';
  /** Request method (`INVITE`, `BYE`, …); null for responses. */
  readonly method: string | null;
  /** Request-URI of a request; null for responses. */
  readonly requestUri: string | null;
  /** Response status code; null for requests. */
  readonly status: number | null;
  /** Response reason phrase (`Ringing`); null for requests. */
  readonly reason: string | null;
  /** `Call-ID` / `i` header value, null when missing. */
  readonly callId: string | null;
  /** `From` / `f` header value as written (display name, URI, tag). */
  readonly from: string | null;
  /** `To` / `t` header value as written. */
  readonly to: string | null;
  readonly cseq: SipCSeq | null;
  readonly direction: SipDirection;
  /** The time stamp of the log line that introduced the message, as written; null if none. */
  readonly time: string | null;
  /** 1-based line number of the SIP start line in the (tag-stripped) text. */
  readonly line: number;
}

/** A log line that is not part of a SIP message, kept as text. */
export interface LogTextRecord {
  readonly type: 'text';
  readonly text: string;
  readonly line: number;
}

/** One record of a parsed log. */
export type LogRecord = SipMessageRecord | LogTextRecord;

/** Kinds of trouble the parser reports (as data: it never throws). */
export type LogIssueKind =
  'truncated-message' | 'incomplete-message' | 'missing-call-id' | 'malformed-cseq';

/** Something the parser skipped or could not read fully. */
export interface LogIssue {
  readonly kind: LogIssueKind;
  readonly line: number;
  readonly message: string;
}

/** The result of {@link parseLog}. */
export interface ParsedLog {
  readonly records: readonly LogRecord[];
  readonly issues: readonly LogIssue[];
}

/** Options of {@link parseLog}. */
export interface ParseLogOptions {
  /**
   * Regexes for the log line that introduces a SIP message (the real snom format is Unverified).
   * Optional named groups: `direction` (text such as `Received from` / `Sent to`, mapped to
   * sent/received) and `time`. Default: {@link DEFAULT_MESSAGE_START_PATTERNS}.
   */
  readonly messageStartPatterns?: readonly RegExp[];
  /** `auto` (default) strips tags and decodes entities when the text looks like HTML. */
  readonly format?: 'auto' | 'html' | 'text';
}

/**
 * The SIP-trace intro line of real snom phones (snom-evidence.md §4, abptech "Snom (190/320/360)
 * Phone Function Keys Explained"): `Sent to udp:209.189.239.106:5060 at 19/10/2005 12:26:20:770
 * (425 bytes):`. `Sent to` / `Received from`, an optional transport, the peer, an optional
 * ` at <time stamp in any format>`, an optional `(<n> bytes)` and an optional trailing colon. Any
 * prefix (a level `[5]`, a time stamp, a facility `SIP:`, a syslog head) may come before it, and
 * the line is unanchored at its start so a line whose front a wrapped buffer cut off still counts.
 * A transport or the byte count must be present, so free text such as "Sent to voicemail" is not
 * taken for an intro line.
 */
export const SIP_TRACE_INTRO_PATTERN =
  /(?<![A-Za-z])(?<direction>Sent to|Received from)\s+(?=(?:udp|tcp|tls|sctp|wss?):|[^\s(]+(?:\s+at\s+[^(]*)?\s*\(\s*\d+\s*bytes?\s*\))(?:(?:udp|tcp|tls|sctp|wss?):)?[^\s(]+(?:\s+at\s+(?<time>[^(]*?))?\s*(?:\(\s*\d+\s*bytes?\s*\))?\s*:?\s*$/i;

/**
 * The start-line format of snomlink's first guess (`[5]26/11/2026 23:41:02.123 SIP: Received
 * (412 bytes):`), kept so logs written by older simulators and custom firmware still parse.
 */
export const LEGACY_INTRO_PATTERN =
  /(?<time>\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)?\s*SIP:\s*(?<direction>Received from|Received|Sent to|Sending to|Send to|Sent)\b/i;

/**
 * Default message-start patterns: the public SIP-trace intro line in any of its forms, then
 * the legacy guess. The time stamp is never needed to find a message.
 */
export const DEFAULT_MESSAGE_START_PATTERNS: readonly RegExp[] = [
  SIP_TRACE_INTRO_PATTERN,
  LEGACY_INTRO_PATTERN,
];

/** Longest line tested against the message-start patterns; intro lines are short. */
const MAX_INTRO_LINE = 512;

/**
 * Log-line heads of the phone's log page that may precede an embedded SIP line (snom-evidence.md
 * §4): firmware 6/7 `[2] 11/4/2006 10:52:43: ` (snom wiki FAQ) and firmware 8.x
 * `Apr  2 18:30:58  [NOTICE] PHN: ` (Snomio debug docs), each with an optional facility.
 */
const LOG_LINE_HEADS: readonly RegExp[] = [
  /^\[\d{1,2}\]\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\s+\d{1,2}:\d{2}:\d{2}(?:[.:,]\d{1,6})?(?::?\s(?:[A-Z][A-Z0-9_]{1,15}:\s)?|:$)/,
  /^[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}(?:[.:,]\d{1,6})?\s+\[[A-Z][A-Z0-9]{1,10}\]\s+(?:[A-Z][A-Z0-9_]{1,15}:\s?)?/,
];

/** A time stamp in a prefix: `26/11/2026 23:41:02.123`, `2026-11-26T23:41:02`, `Apr  2 18:30:58`. */
const PREFIX_TIME =
  /\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,:]\d{1,6})?|[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}(?:[.,:]\d{1,6})?/;

/** Removes a firmware 6/7 or 8.x log-line head, returning the embedded text (or the line). */
function stripLogHead(line: string): string {
  if (line.length === 0) return line;
  const c = line.charCodeAt(0);
  // Only `[` or an upper-case month name can start a head.
  if (c !== 0x5b && (c < 0x41 || c > 0x5a)) return line;
  for (const head of LOG_LINE_HEADS) {
    const m = head.exec(line);
    if (m) return line.slice(m[0].length);
  }
  return line;
}

const SIP_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
]);

const REQUEST_LINE = /^([A-Z]{3,10})\s+(\S+)\s+SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0\s+([1-6]\d\d)(?:\s+(.*))?$/;
const HEADER_LINE = /^([A-Za-z][A-Za-z0-9!%*_+`'~.-]*)[ \t]*:[ \t]*(.*)$/;
const CSEQ_VALUE = /^(\d{1,10})\s+([A-Za-z]+)/;
const LOOKS_LIKE_HTML = /<(?:html|body|pre|br|head|div|table|p|span|font)\b[^>]*>/i;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Decodes the HTML entities a log page uses (`&lt;`, `&#228;`, `&#xE4;`); unknown ones stay. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});/g,
    (whole, body: string) => {
      if (body.startsWith('#')) {
        const code =
          body[1] === 'x' || body[1] === 'X'
            ? Number.parseInt(body.slice(2), 16)
            : Number.parseInt(body.slice(1), 10);
        if (code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
          return String.fromCodePoint(code);
        }
        return whole;
      }
      return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
    },
  );
}

/**
 * Turns a log page into plain text: drops head/script/style, turns `<br>` and block tags into
 * line breaks, removes tags (only real tag syntax: `<sip:…>` in an unescaped page survives),
 * decodes entities.
 */
export function htmlToText(html: string): string {
  let s = html.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<(head|script|style|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  s = s.replace(/<br\s*\/?>(?:\r?\n)?/gi, '\n');
  s = s.replace(/<\/?(?:p|div|tr|li|table|pre|h[1-6])\b[^<>]*>/gi, '\n');
  s = s.replace(/<\/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?\/?>/g, '');
  s = s.replace(/<![A-Za-z][^<>]*>/g, '');
  return decodeEntities(s);
}

function directionOf(text: string | undefined): SipDirection {
  if (text === undefined) return 'unknown';
  if (/receiv|recv|\brx\b|<</i.test(text)) return 'received';
  if (/sent|send|\btx\b|>>/i.test(text)) return 'sent';
  return 'unknown';
}

interface StartMatch {
  readonly direction: SipDirection;
  readonly time: string | null;
}

function matchStart(line: string, patterns: readonly RegExp[]): StartMatch | null {
  for (const pattern of patterns) {
    pattern.lastIndex = 0;
    const m = pattern.exec(line);
    if (m) {
      const stated = m.groups?.time?.trim();
      const time =
        stated !== undefined && stated !== ''
          ? stated
          : m.index > 0
            ? (PREFIX_TIME.exec(line.slice(0, m.index))?.[0] ?? null)
            : null;
      return { direction: directionOf(m.groups?.direction), time };
    }
  }
  return null;
}

type StartLine =
  | { kind: 'request'; method: string; uri: string }
  | { kind: 'response'; status: number; reason: string };

function matchStartLine(trimmed: string): StartLine | null {
  if (trimmed.startsWith('SIP/2.0')) {
    const m = STATUS_LINE.exec(trimmed);
    if (!m) return null;
    return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '' };
  }
  const m = REQUEST_LINE.exec(trimmed);
  if (!m?.[1] || !m[2] || !SIP_METHODS.has(m[1])) return null;
  return { kind: 'request', method: m[1], uri: m[2] };
}

interface Draft {
  start: StartLine;
  direction: SipDirection;
  time: string | null;
  line: number;
  callId: string | null;
  from: string | null;
  to: string | null;
  cseq: SipCSeq | null;
  cseqRaw: string | null;
  contentLength: number;
  lastHeader: 'callId' | 'from' | 'to' | 'other';
}

function finish(draft: Draft, records: LogRecord[], issues: LogIssue[]): void {
  const s = draft.start;
  if (draft.callId === null) {
    issues.push({
      kind: 'missing-call-id',
      line: draft.line,
      message: `SIP message at line ${draft.line} has no Call-ID header; it cannot be tied to a call`,
    });
  }
  if (draft.cseqRaw !== null && draft.cseq === null) {
    issues.push({
      kind: 'malformed-cseq',
      line: draft.line,
      message: `SIP message at line ${draft.line} has an unreadable CSeq "${draft.cseqRaw.slice(0, 40)}"`,
    });
  }
  records.push({
    type: 'sip',
    kind: s.kind,
    method: s.kind === 'request' ? s.method : null,
    requestUri: s.kind === 'request' ? s.uri : null,
    status: s.kind === 'response' ? s.status : null,
    reason: s.kind === 'response' ? s.reason : null,
    callId: draft.callId,
    from: draft.from,
    to: draft.to,
    cseq: draft.cseq,
    direction: draft.direction,
    time: draft.time,
    line: draft.line,
  });
}

function applyHeader(draft: Draft, name: string, value: string): void {
  switch (name.toLowerCase()) {
    case 'call-id':
    case 'i':
      draft.callId = value.trim() || null;
      draft.lastHeader = 'callId';
      return;
    case 'from':
    case 'f':
      draft.from = value.trim();
      draft.lastHeader = 'from';
      return;
    case 'to':
    case 't':
      draft.to = value.trim();
      draft.lastHeader = 'to';
      return;
    case 'cseq': {
      draft.cseqRaw = value;
      const m = CSEQ_VALUE.exec(value.trim());
      draft.cseq = m?.[1] && m[2] ? { seq: Number(m[1]), method: m[2].toUpperCase() } : null;
      draft.lastHeader = 'other';
      return;
    }
    case 'content-length':
    case 'l': {
      const n = Number.parseInt(value.trim(), 10);
      draft.contentLength = Number.isFinite(n) && n > 0 ? n : 0;
      draft.lastHeader = 'other';
      return;
    }
    default:
      draft.lastHeader = 'other';
  }
}

function appendContinuation(draft: Draft, text: string): void {
  const extra = ` ${text.trim()}`;
  if (draft.lastHeader === 'from' && draft.from !== null) draft.from += extra;
  else if (draft.lastHeader === 'to' && draft.to !== null) draft.to += extra;
}

/**
 * Parses a phone log (an HTML page or plain text, CRLF or LF) into SIP message records and
 * text records. A message cut off at the front of a wrapped buffer is skipped with an issue,
 * never misread. Never throws: trouble is reported in `issues`.
 */
export function parseLog(text: unknown, options: ParseLogOptions = {}): ParsedLog {
  const records: LogRecord[] = [];
  const issues: LogIssue[] = [];
  if (typeof text !== 'string' || text.length === 0) return { records, issues };
  const patterns = options.messageStartPatterns ?? DEFAULT_MESSAGE_START_PATTERNS;
  const format = options.format ?? 'auto';
  let plain: string;
  try {
    plain =
      format === 'html' || (format === 'auto' && LOOKS_LIKE_HTML.test(text))
        ? htmlToText(text)
        : text;
  } catch {
    plain = text;
  }
  const lines = plain.split(/\r\n|\r|\n/);

  // A wrapped buffer may begin inside a message. When the log introduces messages with a
  // start line (the usual case), everything SIP-like before the first one is a fragment.
  let firstIntro = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line !== undefined && line.includes(':') && safeMatch(line, patterns) !== null) {
      firstIntro = i;
      break;
    }
  }
  const usesIntro = firstIntro >= 0;
  let inPreamble = usesIntro;
  let skipped = 0;
  let skippedFrom = 0;

  let pending: StartMatch | null = null;
  let pendingLine = 0;
  let draft: Draft | null = null;
  let body: { remaining: number } | null = null;

  for (let i = 0; i < lines.length; i += 1) {
    const full = lines[i] ?? '';
    const lineNo = i + 1;
    // Text records keep the whole line; SIP lines are read without a log-page line head.
    const original = full.trimEnd();
    const raw = stripLogHead(full);
    const line = raw.trimEnd();
    const trimmed = line.trimStart();

    if (inPreamble) {
      if (i < firstIntro) {
        if (trimmed === '') continue;
        if (HEADER_LINE.test(trimmed) || matchStartLine(trimmed) !== null || /^\s/.test(raw)) {
          if (skipped === 0) skippedFrom = lineNo;
          skipped += 1;
        } else if (skipped === 0) {
          // Before any SIP fragment: a possibly truncated first line of ordinary text.
          records.push({ type: 'text', text: original, line: lineNo });
        } else {
          skipped += 1;
        }
        continue;
      }
      inPreamble = false;
      if (skipped > 0) {
        issues.push({
          kind: 'truncated-message',
          line: skippedFrom,
          message: `skipped ${skipped} line(s) at the start of the log: the rest of a SIP message whose beginning was cut off (wrapped log buffer)`,
        });
      }
    }

    const introText = original.trimStart();
    const intro = introText.includes(':') ? safeMatch(introText, patterns) : null;

    if (body !== null) {
      if (trimmed === '' || intro !== null || matchStartLine(trimmed) !== null) {
        body = null;
      } else {
        body.remaining -= raw.length + 2;
        if (body.remaining <= 0) body = null;
        continue;
      }
    }

    if (draft !== null) {
      if (trimmed === '' || intro !== null) {
        if (trimmed === '' && draft.contentLength > 0) body = { remaining: draft.contentLength };
        finish(draft, records, issues);
        draft = null;
        if (trimmed === '') continue;
      } else if (/^[ \t]/.test(raw) && trimmed !== '') {
        appendContinuation(draft, trimmed);
        continue;
      } else {
        const header = HEADER_LINE.exec(trimmed);
        if (header?.[1] !== undefined && matchStartLine(trimmed) === null) {
          applyHeader(draft, header[1], header[2] ?? '');
          continue;
        }
        finish(draft, records, issues);
        draft = null;
      }
    }

    if (intro !== null) {
      if (pending !== null) {
        issues.push({
          kind: 'incomplete-message',
          line: pendingLine,
          message: `log line ${pendingLine} announces a SIP message but no SIP start line follows`,
        });
      }
      pending = intro;
      pendingLine = lineNo;
      continue;
    }

    if (trimmed === '') continue;

    const start = matchStartLine(trimmed);
    if (start !== null) {
      draft = {
        start,
        direction: pending?.direction ?? 'unknown',
        time: pending?.time ?? null,
        line: lineNo,
        callId: null,
        from: null,
        to: null,
        cseq: null,
        cseqRaw: null,
        contentLength: 0,
        lastHeader: 'other',
      };
      pending = null;
      continue;
    }

    if (pending !== null) {
      issues.push({
        kind: 'incomplete-message',
        line: pendingLine,
        message: `log line ${pendingLine} announces a SIP message but line ${lineNo} is not a SIP start line`,
      });
      pending = null;
    }
    records.push({ type: 'text', text: original, line: lineNo });
  }

  if (inPreamble && skipped > 0) {
    issues.push({
      kind: 'truncated-message',
      line: skippedFrom,
      message: `skipped ${skipped} line(s) at the start of the log: the rest of a SIP message whose beginning was cut off (wrapped log buffer)`,
    });
  }
  if (draft !== null) finish(draft, records, issues);
  if (pending !== null) {
    issues.push({
      kind: 'incomplete-message',
      line: pendingLine,
      message: `log line ${pendingLine} announces a SIP message but the log ends there`,
    });
  }
  return { records, issues };
}

function safeMatch(line: string, patterns: readonly RegExp[]): StartMatch | null {
  if (line.length > MAX_INTRO_LINE) return null;
  try {
    return matchStart(line, patterns);
  } catch {
    return null;
  }
}
