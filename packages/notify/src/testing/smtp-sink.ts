import { createServer as createTcpServer, type Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted, with its SMTP envelope and the parsed mail. */
export interface SinkMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: string;
  readonly parsed: ParsedMail;
}

/** Options of {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /** Answer this many DATA commands with `451` (temporary failure) before accepting. */
  readonly failFirst?: number;
  /** Require this login. */
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** A local SMTP server (smtp-server) that keeps what it receives. */
export interface SmtpSink {
  readonly port: number;
  readonly messages: SinkMessage[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** DATA commands refused so far (see `failFirst`). */
  readonly refused: () => number;
  /** Resolves once `count` messages have arrived. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

/** Starts an SMTP sink on 127.0.0.1 (random port), no TLS, optional AUTH PLAIN/LOGIN. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters = new Set<() => void>();
  let connections = 0;
  let refused = 0;
  const auth = options.auth;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: auth === undefined,
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(credentials, _session, callback) {
      if (
        auth !== undefined &&
        credentials.username === auth.user &&
        credentials.password === auth.pass
      ) {
        callback(null, { user: credentials.username });
      } else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refused < (options.failFirst ?? 0)) {
          refused += 1;
          const error = Object.assign(new Error('try again later'), { responseCode: 451 });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = session.envelope;
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              mailFrom: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
              rcptTo: envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            for (const waiter of [...waiters]) waiter();
            callback();
          })
          .catch((error: unknown) => {
            callback(error instanceof Error ? error : new Error(String(error)));
          });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    messages,
    connections: () => connections,
    refused: () => refused,
    waitForMessages(count: number, timeoutMs = 10_000): Promise<SinkMessage[]> {
      if (messages.length >= count) return Promise.resolve(messages.slice(0, count));
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          if (messages.length < count) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `the SMTP sink got ${messages.length} of ${count} messages in ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** A TCP server that accepts connections and never says a word: the worst SMTP server. */
export async function startSilentServer(): Promise<{
  port: number;
  connections: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    connections: () => connections,
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
