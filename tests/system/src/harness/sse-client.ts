import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** One parsed Server-Sent Event. */
export interface SseMessage {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
  /** When the client parsed it: `Date.now()`, or the `now` option's clock. */
  readonly receivedAt: number;
}

/** Options of {@link connectSse}. */
export interface SseClientOptions {
  readonly token: string;
  readonly lastEventId?: string;
  /** Keep every message in `messages` (default true; the bench turns it off). */
  readonly keep?: boolean;
  readonly onMessage?: (message: SseMessage) => void;
  /** The clock of `receivedAt` (default `Date.now`; the bench uses one shared with its phones). */
  readonly now?: () => number;
}

/** A connected SSE reader of `GET /api/events`. */
export interface SseClient {
  readonly messages: readonly SseMessage[];
  readonly response: IncomingMessage;
  /** Resolves with the first message (already received or future) that matches. */
  waitFor(predicate: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** `waitFor` on the parsed JSON payload of `event`. */
  waitForData<T>(event: string, predicate: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Parsed payloads of every message named `event` so far. */
  dataOf<T>(event: string): T[];
  close(): void;
  readonly closed: Promise<void>;
}

/**
 * Opens `url` (the daemon's `/api/events`) over node:http and parses the stream. Resolves
 * once the response head arrived (status checked: rejects unless 200 text/event-stream).
 */
export function connectSse(url: string, options: SseClientOptions): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'text/event-stream',
    };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const req: ClientRequest = request(url, { headers });
    req.once('error', reject);
    req.once('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`SSE ${url} answered ${String(response.statusCode)}`));
        return;
      }
      const keep = options.keep ?? true;
      const now = options.now ?? Date.now;
      const messages: SseMessage[] = [];
      const waiters = new Set<(message: SseMessage) => void>();
      let buffer = '';
      let id: string | null = null;
      let event = 'message';
      let data: string[] = [];
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          if (line === '') {
            if (data.length > 0) {
              const message: SseMessage = {
                id,
                event,
                data: data.join('\n'),
                receivedAt: now(),
              };
              if (keep) messages.push(message);
              options.onMessage?.(message);
              for (const waiter of waiters) waiter(message);
            }
            event = 'message';
            data = [];
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = value;
          else if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
      });
      const closed = new Promise<void>((resolveClosed) => {
        response.once('close', resolveClosed);
        response.once('error', () => {
          resolveClosed();
        });
      });
      const waitFor = (
        predicate: (message: SseMessage) => boolean,
        timeoutMs = 20_000,
      ): Promise<SseMessage> =>
        new Promise((resolveWait, rejectWait) => {
          const found = messages.find(predicate);
          if (found !== undefined) {
            resolveWait(found);
            return;
          }
          const timer = setTimeout(() => {
            waiters.delete(waiter);
            rejectWait(
              new Error(
                `no matching SSE message within ${timeoutMs} ms; got ${messages.length}: ${messages
                  .slice(-10)
                  .map((m) => `${m.event} ${m.data.slice(0, 200)}`)
                  .join('\n')}`,
              ),
            );
          }, timeoutMs);
          const waiter = (message: SseMessage): void => {
            if (!predicate(message)) return;
            clearTimeout(timer);
            waiters.delete(waiter);
            resolveWait(message);
          };
          waiters.add(waiter);
        });
      resolve({
        messages,
        response,
        waitFor,
        async waitForData<T>(name: string, predicate: (d: T) => boolean, timeoutMs?: number) {
          const message = await waitFor(
            (m) => m.event === name && predicate(JSON.parse(m.data) as T),
            timeoutMs,
          );
          return JSON.parse(message.data) as T;
        },
        dataOf<T>(name: string): T[] {
          return messages.filter((m) => m.event === name).map((m) => JSON.parse(m.data) as T);
        },
        close() {
          req.destroy();
          response.destroy();
        },
        closed,
      });
    });
    req.end();
  });
}
