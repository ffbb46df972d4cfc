import type { ListenerConnectionEvent, ListenerConnectionReason } from '@snomlink/listener';

/** Connection events of the phone port since start, by type and reason. */
export interface PhonePortEventCount {
  readonly type: ListenerConnectionEvent['type'];
  readonly reason: ListenerConnectionReason;
  readonly count: number;
}

/** What the daemon does with the listener's `onConnectionEvent`. */
export interface PhonePortEvents {
  /** The listener's `onConnectionEvent`: counts, and warns at most once per window per kind. */
  record(event: ListenerConnectionEvent): void;
  /** Counts by type and reason (for `snomlink_listener_connections_closed_total`). */
  counts(): readonly PhonePortEventCount[];
  /** Stops the summary timers (at shutdown); counts stay readable. */
  close(): void;
}

/** The pino level used (a pino `Logger` fits). */
export interface PhonePortLogger {
  warn(context: object, message: string): void;
}

/** Options of {@link createPhonePortEvents}. */
export interface PhonePortEventsOptions {
  readonly logger: PhonePortLogger;
  /** Least time between two warnings of the same type and reason. Default 60 000 ms. */
  readonly warnEveryMs?: number;
}

const EXPLAIN: Record<ListenerConnectionReason, string> = {
  'per-source-limit':
    'one address holds more connections than listener.limits.maxConnectionsPerSource',
  'connection-limit': 'the phone port holds listener.limits.maxConnections connections',
  'head-timeout': 'a request head was not complete within listener.limits.headersTimeoutMs',
  'body-timeout': 'a request body was not complete within listener.limits.bodyTimeoutMs',
  'idle-timeout': 'a connection stopped sending in the middle of a request',
  error: 'a connection failed with a socket error',
};

interface Window {
  suppressed: number;
  lastAddress: string | undefined;
  timer: NodeJS.Timeout;
}

/**
 * Counts the phone port's refused, evicted and dropped connections and warns about them: the
 * first of a kind (type and reason) at once, then at most one summary per `warnEveryMs` with the
 * number suppressed, since a slowloris host produces one event per connection. The set of
 * kinds is fixed (3 types × 6 reasons), so counters and timers stay bounded.
 */
export function createPhonePortEvents(options: PhonePortEventsOptions): PhonePortEvents {
  const warnEveryMs = options.warnEveryMs ?? 60_000;
  const counts = new Map<
    string,
    { type: PhonePortEventCount['type']; reason: ListenerConnectionReason; count: number }
  >();
  const windows = new Map<string, Window>();

  const warn = (event: ListenerConnectionEvent, suppressed: number, address?: string): void => {
    options.logger.warn(
      {
        type: event.type,
        reason: event.reason,
        remoteAddress: address,
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      suppressed > 0
        ? `phone port: ${String(suppressed)} more connections ${event.type} (${event.reason}) in the last ${String(Math.round(warnEveryMs / 1000))} s; a phone's event may be lost if this continues`
        : `phone port: connection ${event.type} (${event.reason}): ${EXPLAIN[event.reason]}; further ones are summarised at most every ${String(Math.round(warnEveryMs / 1000))} s`,
    );
  };

  const openWindow = (key: string, event: ListenerConnectionEvent): void => {
    const timer = setTimeout(() => {
      const window = windows.get(key);
      windows.delete(key);
      if (window !== undefined && window.suppressed > 0) {
        warn(event, window.suppressed, window.lastAddress);
        // Keep summarising while it goes on: a new window starts with this summary.
        openWindow(key, event);
      }
    }, warnEveryMs);
    timer.unref();
    windows.set(key, { suppressed: 0, lastAddress: undefined, timer });
  };

  return {
    record(event) {
      const key = `${event.type} ${event.reason}`;
      const row = counts.get(key);
      if (row !== undefined) row.count++;
      else counts.set(key, { type: event.type, reason: event.reason, count: 1 });
      const window = windows.get(key);
      if (window !== undefined) {
        window.suppressed++;
        window.lastAddress = event.remoteAddress;
        return;
      }
      warn(event, 0, event.remoteAddress);
      openWindow(key, event);
    },
    counts() {
      return [...counts.values()].map((row) => ({ ...row }));
    },
    close() {
      for (const window of windows.values()) clearTimeout(window.timer);
      windows.clear();
    },
  };
}
