/** Default size of a simulated phone's log buffer, in characters (~64 KiB). */
export const DEFAULT_LOG_MAX_CHARS = 64 * 1024;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `26/11/2026 23:41:02.123` in the phone's local time (the format is an assumption). */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${String(d.getFullYear())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A SIP-trace-like text log with a bounded buffer that drops its oldest text first. */
export class SipLog {
  private text = '';

  constructor(
    private readonly maxChars: number,
    private readonly now: () => number,
  ) {}

  /** Current log text. */
  read(): string {
    return this.text;
  }

  /** Empty the buffer (`/log.htm?clear_log=1`). */
  clear(): void {
    this.text = '';
  }

  /** A one-line record such as `[5]… PHN: Ringing line 1`. */
  line(facility: string, message: string): void {
    this.append(`[5]${formatLogTime(this.now())} ${facility}: ${message}\n`);
  }

  /** A SIP message: header line, the message lines, a blank line. */
  sip(direction: 'received' | 'sent', peer: string, lines: readonly string[]): void {
    const bytes = Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    const header =
      direction === 'received'
        ? `SIP: Received from udp:${peer} (${String(bytes)} bytes):`
        : `SIP: Sent to udp:${peer} (${String(bytes)} bytes):`;
    this.append(`[5]${formatLogTime(this.now())} ${header}\n${lines.join('\n')}\n\n`);
  }

  private append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.maxChars)
      this.text = this.text.slice(this.text.length - this.maxChars);
  }
}
