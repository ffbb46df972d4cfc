import { connectSse } from '../../../system/src/harness/sse-client.js';
import type { SseClient, SseMessage } from '../../../system/src/harness/sse-client.js';
import type { ClusterDaemon } from './cluster-daemon.js';

/**
 * An SSE reader that follows the cluster as a browser would: it reads `/api/events` of one
 * daemon and, when that connection ends (daemon killed or stopped), reconnects to the next live
 * daemon with `Last-Event-ID` = the last id it saw. `messages` spans every connection.
 */
export interface SseFollower {
  readonly name: string;
  readonly messages: readonly SseMessage[];
  /** Node ids it was connected to, in order. */
  readonly hops: readonly string[];
  /** SIP Call-IDs of every `call-finished` seen so far (kept as they arrive: checked often). */
  readonly finishedCalls: ReadonlySet<string>;
  /** Resolves once `condition()` holds, checked now and after each message; rejects at the timeout. */
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the first message (already seen or future) matching `predicate`. */
  waitFor(predicate: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/** The SIP Call-ID of a `call-finished` message, else null. Pure. */
export function finishedCallId(m: SseMessage): string | null {
  if (m.event !== 'call' || !m.data.includes('call-finished')) return null;
  const data = JSON.parse(m.data) as { type?: string; call?: { sipCallId?: string | null } };
  const id = data.call?.sipCallId;
  return data.type === 'call-finished' && typeof id === 'string' ? id : null;
}

/**
 * Starts following at `daemons[start]`. `candidates()` lists the daemons it may move to (live
 * ones); a hop is tried every 200 ms until one answers.
 */
export async function followSse(
  name: string,
  first: ClusterDaemon,
  candidates: () => readonly ClusterDaemon[],
): Promise<SseFollower> {
  const messages: SseMessage[] = [];
  const hops: string[] = [];
  const finishedCalls = new Set<string>();
  const waiters = new Set<(m: SseMessage) => void>();
  const state: { closed: boolean; client: SseClient | null; lastId: string | undefined } = {
    closed: false,
    client: null,
    lastId: undefined,
  };

  const onMessage = (m: SseMessage): void => {
    messages.push(m);
    const finished = finishedCallId(m);
    if (finished !== null) finishedCalls.add(finished);
    if (m.id !== null && m.id !== '') state.lastId = m.id;
    for (const w of waiters) w(m);
  };
  const attach = async (daemon: ClusterDaemon): Promise<void> => {
    const c = await connectSse(`${daemon.adminBase}/api/events`, {
      token: daemon.token,
      keep: false,
      onMessage,
      ...(state.lastId === undefined ? {} : { lastEventId: state.lastId }),
    });
    state.client = c;
    if (state.closed) c.close();
    hops.push(daemon.nodeId);
    void c.closed.then(() => {
      if (!state.closed) void reconnect(daemon);
    });
  };
  const reconnect = async (from: ClusterDaemon): Promise<void> => {
    for (let attempt = 0; !state.closed; attempt++) {
      const options = candidates().filter((d) => d !== from || attempt > 10);
      for (const daemon of options) {
        try {
          await attach(daemon);
          return;
        } catch {
          // not up (yet): try the next
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await attach(first);

  return {
    name,
    messages,
    hops,
    finishedCalls,
    until(condition, timeoutMs = 30_000) {
      if (condition()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: condition not met within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        const waiter = (): void => {
          if (!condition()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      });
    },
    waitFor(predicate, timeoutMs = 30_000) {
      const found = messages.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: no matching SSE message within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        const waiter = (m: SseMessage): void => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });
    },
    close() {
      state.closed = true;
      state.client?.close();
    },
  };
}
