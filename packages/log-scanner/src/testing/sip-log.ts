/** One SIP message as a 190-class simulated phone writes it to its log. */
export interface SipLogMessage {
  readonly direction: 'sent' | 'received';
  /** `INVITE sip:201@127.0.0.2:5060 SIP/2.0` or `SIP/2.0 180 Ringing`. */
  readonly startLine: string;
  /** Header lines in order, e.g. `['Call-ID', 'a84b@pbx']`. */
  readonly headers: readonly (readonly [string, string])[];
}

/** One call as a script of SIP messages (what the phone would log). */
export interface CallScenario {
  readonly callId: string;
  readonly direction: 'incoming' | 'outgoing';
  /** Remote number (user part), e.g. `+4930123456`. */
  readonly remote: string;
  readonly display?: string;
  /** How the call ends. `missed`: caller gives up (CANCEL); `rejected`: 486 Busy Here. */
  readonly outcome: 'answered' | 'missed' | 'rejected';
  /** Who sends the BYE of an answered call. Default `local`. */
  readonly hangUpBy?: 'local' | 'remote';
  /** Use compact header names (`i:`, `f:`, `t:`). */
  readonly compact?: boolean;
  /** CSeq number of the INVITE (default 1). */
  readonly cseq?: number;
  /** Own SIP user (default 201). */
  readonly localUser?: string;
  readonly domain?: string;
}

function quote(display: string): string {
  return `"${display.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The phases of a call's log, in order: `[setup, answer, end]`; each phase is the list of
 * messages the phone writes at that moment (setup = INVITE and provisional responses).
 */
export function scenarioPhases(s: CallScenario): SipLogMessage[][] {
  const domain = s.domain ?? 'pbx.example';
  const localUser = s.localUser ?? '201';
  const seq = s.cseq ?? 1;
  const remoteUri = `sip:${s.remote}@${domain}`;
  const localUri = `sip:${localUser}@${domain}`;
  const remoteNameAddr = `${s.display !== undefined ? `${quote(s.display)} ` : ''}<${remoteUri}>`;
  const localNameAddr = `<${localUri}>`;
  const n = (long: string, short: string): string => (s.compact === true ? short : long);
  const incoming = s.direction === 'incoming';
  // Dialog headers as in the INVITE (caller's From/To).
  const from = incoming ? `${remoteNameAddr};tag=r${seq}` : `${localNameAddr};tag=l${seq}`;
  const toNoTag = incoming ? localNameAddr : remoteNameAddr;
  const toTag = `${toNoTag};tag=${incoming ? 'l' : 'r'}${seq}`;
  const inviteDir: 'sent' | 'received' = incoming ? 'received' : 'sent';
  const respDir: 'sent' | 'received' = incoming ? 'sent' : 'received';
  const other = (d: 'sent' | 'received'): 'sent' | 'received' =>
    d === 'sent' ? 'received' : 'sent';
  const hdr = (to: string, cseq: string, swap = false): (readonly [string, string])[] => [
    ['Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${seq}${cseq.length}`],
    [n('From', 'f'), swap ? to : from],
    [n('To', 't'), swap ? from : to],
    [n('Call-ID', 'i'), s.callId],
    ['CSeq', cseq],
    [n('Content-Length', 'l'), '0'],
  ];
  const target = incoming ? `sip:${localUser}@127.0.0.2:5060` : remoteUri;
  const setup: SipLogMessage[] = [
    {
      direction: inviteDir,
      startLine: `INVITE ${target} SIP/2.0`,
      headers: hdr(toNoTag, `${seq} INVITE`),
    },
  ];
  if (!incoming) {
    setup.push({
      direction: respDir,
      startLine: 'SIP/2.0 100 Trying',
      headers: hdr(toNoTag, `${seq} INVITE`),
    });
  }
  setup.push({
    direction: respDir,
    startLine: 'SIP/2.0 180 Ringing',
    headers: hdr(toTag, `${seq} INVITE`),
  });
  const answer: SipLogMessage[] = [];
  const end: SipLogMessage[] = [];
  if (s.outcome === 'answered') {
    answer.push(
      { direction: respDir, startLine: 'SIP/2.0 200 OK', headers: hdr(toTag, `${seq} INVITE`) },
      {
        direction: inviteDir,
        startLine: `ACK ${target} SIP/2.0`,
        headers: hdr(toTag, `${seq} ACK`),
      },
    );
    const byLocal = (s.hangUpBy ?? 'local') === 'local';
    // The BYE goes from whoever hangs up; the callee's BYE swaps From and To.
    const byeDir: 'sent' | 'received' = byLocal ? 'sent' : 'received';
    const byCaller = byLocal !== incoming;
    end.push(
      {
        direction: byeDir,
        startLine: `BYE ${byLocal ? remoteUri : localUri} SIP/2.0`,
        headers: hdr(toTag, `${seq + 1} BYE`, !byCaller),
      },
      {
        direction: other(byeDir),
        startLine: 'SIP/2.0 200 OK',
        headers: hdr(toTag, `${seq + 1} BYE`, !byCaller),
      },
    );
  } else if (s.outcome === 'missed') {
    end.push(
      {
        direction: inviteDir,
        startLine: `CANCEL ${target} SIP/2.0`,
        headers: hdr(toNoTag, `${seq} CANCEL`),
      },
      { direction: respDir, startLine: 'SIP/2.0 200 OK', headers: hdr(toTag, `${seq} CANCEL`) },
      {
        direction: respDir,
        startLine: 'SIP/2.0 487 Request Terminated',
        headers: hdr(toTag, `${seq} INVITE`),
      },
      {
        direction: inviteDir,
        startLine: `ACK ${target} SIP/2.0`,
        headers: hdr(toTag, `${seq} ACK`),
      },
    );
  } else {
    end.push(
      {
        direction: respDir,
        startLine: 'SIP/2.0 486 Busy Here',
        headers: hdr(toTag, `${seq} INVITE`),
      },
      {
        direction: inviteDir,
        startLine: `ACK ${target} SIP/2.0`,
        headers: hdr(toTag, `${seq} ACK`),
      },
    );
  }
  return [setup, answer, end];
}

/** All messages of a call in order. */
export function scenarioMessages(s: CallScenario): SipLogMessage[] {
  return scenarioPhases(s).flat();
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `26/11/2026 23:41:02.123` (the assumed snom log time format), in UTC. */
export function formatLogTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/**
 * How a SIP message is introduced in the log: `public` is the SIP-trace format real snom phones
 * print (snom-evidence.md §4: `Received from udp:… at 19/10/2005 12:26:20:770 (425 bytes):`, a
 * blank line, the message); `legacy` is snomlink's first guess (`[5]… SIP: Received from …`).
 */
export type SipLogFormat = 'public' | 'legacy';

/** Writes one message as the phone logs it (intro line, message lines, blank line), LF. */
export function formatSipLogEntry(
  message: SipLogMessage,
  epochMs = Date.UTC(2026, 10, 26, 23, 41, 2, 123),
  format: SipLogFormat = 'public',
): string {
  const lines = [message.startLine, ...message.headers.map(([k, v]) => `${k}: ${v}`)];
  const text = `${lines.join('\r\n')}\r\n\r\n`;
  const bytes = Buffer.byteLength(text, 'utf8');
  const verb = message.direction === 'sent' ? 'Sent to' : 'Received from';
  if (format === 'legacy') {
    return `[5]${formatLogTime(epochMs)} SIP: ${verb} udp:127.0.0.1:5060 (${bytes} bytes):\n${lines.join('\n')}\n\n`;
  }
  const time = formatLogTime(epochMs).replace(/\.(\d{3})$/, ':$1');
  return `${verb} udp:127.0.0.1:5060 at ${time} (${bytes} bytes):\n\n${lines.join('\n')}\n\n`;
}

/** Escapes text for the log page (`&`, `<`, `>`, `"`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;',
  );
}

/** Wraps log text into the page a 190-class simulated phone serves at `/log.htm`. */
export function wrapLogHtml(text: string): string {
  return `<html><head><title>Log</title></head><body><pre>${escapeHtml(text)}</pre></body></html>`;
}
