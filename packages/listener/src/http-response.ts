import { STATUS_CODES } from 'node:http';
import type { Outcome } from './action-handler.js';

/** The phone port's answers as HTTP/1.1 bytes; `keepAlive` says whether the connection stays. */
export interface HttpResponses {
  /** 200 with an empty body: an accepted event. Cached per second (the `Date`). */
  ok(keepAlive: boolean): string;
  /** A JSON error answer `{ error, detail }`. */
  error(status: number, error: string, detail: string, keepAlive: boolean): Buffer;
  /** The answer for a handler outcome (accepted, or refused with a status). */
  outcome(outcome: Outcome, keepAlive: boolean): string | Buffer;
  /** A fetch `Response` (from the Hono app) with a `Content-Length`; head only for HEAD. */
  fetched(response: Response, isHead: boolean, keepAlive: boolean): Promise<Buffer>;
}

// Framing is the server's business, whatever the app's Response says.
const OWN_HEADERS = new Set(['content-length', 'connection', 'transfer-encoding', 'keep-alive']);

function statusLine(status: number): string {
  return `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/** Answers that announce `keepAliveTimeoutMs` as the idle timeout of kept connections. */
export function createHttpResponses(keepAliveTimeoutMs: number): HttpResponses {
  const seconds = String(Math.max(1, Math.floor(keepAliveTimeoutMs / 1000)));
  const KEEP = `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n`;
  const CLOSE = 'Connection: close\r\n';

  // An origin server with a clock sends `Date`; formatting it once per second keeps the
  // common answer a constant string.
  let second = -1;
  let dateLine = '';
  let okKeep = '';
  let okClose = '';
  function date(): string {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
      okKeep = `${statusLine(200)}${dateLine}Content-Length: 0\r\n${KEEP}\r\n`;
      okClose = `${statusLine(200)}${dateLine}Content-Length: 0\r\n${CLOSE}\r\n`;
    }
    return dateLine;
  }

  function error(
    status: number,
    code: string,
    detail: string,
    keepAlive: boolean,
    extra = '',
  ): Buffer {
    const body = Buffer.from(JSON.stringify({ error: code, detail }));
    const head =
      `${statusLine(status)}${date()}Content-Type: application/json\r\n` +
      `Content-Length: ${String(body.length)}\r\n${extra}${keepAlive ? KEEP : CLOSE}\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }

  function ok(keepAlive: boolean): string {
    date();
    return keepAlive ? okKeep : okClose;
  }

  return {
    ok,
    error,
    outcome(outcome, keepAlive) {
      if (outcome === undefined) return ok(keepAlive);
      const extra = outcome.status === 429 || outcome.status === 503 ? 'Retry-After: 1\r\n' : '';
      return error(outcome.status, outcome.error, outcome.detail, keepAlive, extra);
    },
    async fetched(response, isHead, keepAlive) {
      const body =
        isHead || response.body === null
          ? Buffer.alloc(0)
          : Buffer.from(await response.arrayBuffer());
      let head = `${statusLine(response.status)}${date()}`;
      response.headers.forEach((value, name) => {
        if (!OWN_HEADERS.has(name)) head += `${name}: ${value}\r\n`;
      });
      head += `Content-Length: ${String(body.length)}\r\n${keepAlive ? KEEP : CLOSE}\r\n`;
      return Buffer.concat([Buffer.from(head, 'latin1'), body]);
    },
  };
}
