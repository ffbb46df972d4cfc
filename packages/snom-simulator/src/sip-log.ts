import type { LogLineFormat, SipTraceFormat } from './firmware-profiles.js';

/** Default size of a simulated phone's log buffer, in characters (~64 KiB). */
export const DEFAULT_LOG_MAX_CHARS = 64 * 1024;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `26/11/2026 23:41:02.123` in the phone's local time (snomlink's first guess; legacy format). */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${String(d.getFullYear())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `2/12/2026 08:31:02:770`: day/month/year, milliseconds after a colon (the public trace). */
export function formatTraceTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getDate())}/${String(d.getMonth() + 1)}/${String(d.getFullYear())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}:${pad(d.getMilliseconds(), 3)}`;
}

/** `[5] 2/12/2026 08:31:02: `: the firmware 6/7 log line head (snom wiki FAQ). */
export function fw7Head(ms: number, level = 5): string {
  const d = new Date(ms);
  return `[${String(level)}] ${String(d.getDate())}/${String(d.getMonth() + 1)}/${String(d.getFullYear())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}: `;
}

/** `Dec  2 08:31:02  [NOTICE] PHN: `: the firmware 8.x log line head (Snomio debug docs). */
export function fw8Head(ms: number, level: string, facility: string): string {
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()] ?? 'Jan'} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}  [${level}] ${facility}: `;
}

/** Formats of a {@link SipLog}. */
export interface SipLogFormats {
  readonly trace: SipTraceFormat;
  readonly lines: LogLineFormat;
}

/** A snom-style log with a SIP trace, in a bounded buffer that drops its oldest text first. */
export class SipLog {
  private text = '';

  constructor(
    private readonly maxChars: number,
    private readonly now: () => number,
    private readonly formats: SipLogFormats = { trace: 'public', lines: 'fw8' },
  ) {}

  /** Current log text. */
  read(): string {
    return this.text;
  }

  /** Empty the buffer (`/log.htm?clear_log=1`). */
  clear(): void {
    this.text = '';
  }

  /** A one-line record such as `PHN: Ringing line 1`, with the era's line head. */
  line(facility: string, message: string): void {
    const t = this.now();
    switch (this.formats.lines) {
      case 'fw7':
        this.append(`${fw7Head(t)}${facility}: ${message}\n`);
        return;
      case 'fw8':
        this.append(`${fw8Head(t, 'NOTICE', facility)}${message}\n`);
        return;
      default:
        this.append(`[5]${formatLogTime(t)} ${facility}: ${message}\n`);
    }
  }

  /** A SIP message: intro line, the message lines, a blank line (in the era's trace format). */
  sip(direction: 'received' | 'sent', peer: string, lines: readonly string[]): void {
    const t = this.now();
    const bytes = Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    const verb = direction === 'received' ? 'Received from' : 'Sent to';
    const size = `(${String(bytes)} bytes):`;
    switch (this.formats.trace) {
      case 'public':
        this.append(
          `${verb} udp:${peer} at ${formatTraceTime(t)} ${size}\n\n${lines.join('\n')}\n\n`,
        );
        return;
      case 'fw7-embedded': {
        const head = fw7Head(t);
        const body = [`${verb} udp:${peer} at ${formatTraceTime(t)} ${size}`, ...lines, '']
          .map((l) => `${head}${l}`.trimEnd())
          .join('\n');
        this.append(`${body}\n`);
        return;
      }
      case 'syslog':
        this.append(
          `${fw8Head(t, 'DEBUG2', 'SIP')}${verb} udp:${peer} ${size}\n${lines.join('\n')}\n\n`,
        );
        return;
      default:
        this.append(
          `[5]${formatLogTime(t)} SIP: ${verb} udp:${peer} ${size}\n${lines.join('\n')}\n\n`,
        );
    }
  }

  private append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.maxChars)
      this.text = this.text.slice(this.text.length - this.maxChars);
  }
}
