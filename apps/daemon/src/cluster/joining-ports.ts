import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { HostPort } from '../daemon/listener-controller.js';
import { DaemonStartError } from '../errors.js';
import { createExposition, PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus-text.js';
import type { JoinProgress } from './join-progress.js';

// A daemon in cluster mode binds its ports before it has joined the cluster, so that while NATS
// is unreachable phones get a 503 (never silence, never a 200 the cluster could not keep) and
// operators reach /api/health and /api/metrics. These stand-in servers answer until the daemon's
// own servers take the ports over (`close`, then the daemon binds them).

/** How long a phone or client is told to wait before trying again (seconds). */
const RETRY_AFTER_S = 5;
/** Longest request head read before answering anyway (a phone's head is well under this). */
const MAX_HEAD_BYTES = 16_384;
/** A client that sends no complete head in this time is dropped. */
const HEAD_TIMEOUT_MS = 10_000;

/** The stand-in servers on the phone port and the admin port (see {@link openJoiningPorts}). */
export interface JoiningPorts {
  /** Where they listen (a port 0 resolved to the one bound). */
  readonly listener: HostPort;
  readonly admin: HostPort;
  /** Frees both ports (idempotent), so the daemon's own servers can bind them. */
  readonly close: () => Promise<void>;
}

/** Options of {@link openJoiningPorts}. */
export interface JoiningPortsOptions {
  readonly listener: HostPort;
  readonly admin: HostPort;
  readonly progress: JoinProgress;
}

function phoneAnswer(): Buffer {
  const body = JSON.stringify({
    error: 'unavailable',
    detail: 'this daemon is joining the cluster and cannot store events yet; try again',
  });
  return Buffer.from(
    'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${String(Buffer.byteLength(body))}\r\nRetry-After: ${String(RETRY_AFTER_S)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
    'latin1',
  );
}

/**
 * The phone port: each connection gets one 503 once its request head is in, then is closed. The
 * head is not parsed (a phone's raw, unencoded bytes are fine); its end is all that is awaited,
 * so the phone is not reset while it still sends. Returns what answers it at once (the stand-in
 * closes).
 */
function answerPhone(socket: Socket, answer: Buffer): () => void {
  let head = '';
  let answered = false;
  const respond = (): void => {
    if (answered) return;
    answered = true;
    socket.off('data', onData);
    socket.resume();
    socket.end(answer);
  };
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    if (head.includes('\r\n\r\n') || head.includes('\n\n') || head.length >= MAX_HEAD_BYTES)
      respond();
  };
  socket.on('error', () => undefined);
  socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
  socket.on('data', onData);
  return respond;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(status === 503 ? { 'retry-after': String(RETRY_AFTER_S) } : {}),
  });
  res.end(JSON.stringify(body));
}

/**
 * The admin port: `/api/health` (503, `status: "starting"` with the reason) and `/api/metrics`
 * (`snomlink_cluster_connected 0`) without a token, since the cluster's admin token is not known
 * before the shared config is loaded, and they say nothing but that the daemon waits; every
 * other request 503 with what is going on.
 */
function answerAdmin(progress: JoinProgress, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (read && path === '/api/health') {
    json(res, 503, {
      status: 'starting',
      reason: progress.reason(),
      waitingMs: Date.now() - progress.since,
    });
  } else if (read && path === '/api/metrics') {
    const out = createExposition();
    out.metric(
      'snomlink_cluster_connected',
      'gauge',
      '1 while this daemon is connected to NATS, else 0.',
      0,
    );
    out.metric(
      'snomlink_cluster_joining',
      'gauge',
      '1 while this daemon waits to join the cluster (its ports answer 503 meanwhile).',
      1,
    );
    out.metric(
      'snomlink_cluster_join_failures_total',
      'counter',
      'Attempts to reach NATS that failed while joining.',
      progress.failures,
    );
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end(out.text());
  } else if (path.startsWith('/api/') || path === '/tapi') {
    json(res, 503, {
      error: 'joining-cluster',
      detail: `${progress.reason()}; this daemon answers once it has joined (or use another daemon)`,
    });
  } else {
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(RETRY_AFTER_S) });
    res.end(`snomlink: ${progress.reason()}\n`);
  }
}

function listenOn(
  server: NetServer | HttpServer,
  which: 'listener' | 'admin',
  at: HostPort,
): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const what = which === 'admin' ? 'admin port' : 'Action URL listener port';
      const option = which === 'admin' ? '--admin HOST:PORT' : '--listen HOST:PORT';
      reject(
        new DaemonStartError(
          which,
          at.host,
          at.port,
          error.code === 'EADDRINUSE'
            ? `the ${what} ${String(at.port)} is already in use on ${at.host}; choose another port with ${option}`
            : `cannot listen on ${at.host}:${String(at.port)} (${what}): ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve({ host: at.host, port: (server.address() as AddressInfo).port });
    });
  });
}

/** How long a client may keep a stand-in's connection after the stand-in closed. */
const LINGER_MS = 1000;

/**
 * The stand-ins' open connections and how to answer each at once: a phone connection gets its
 * 503 (not a reset), an admin connection is closed when idle.
 */
function tracked(server: NetServer | HttpServer): Map<Socket, () => void> {
  const sockets = new Map<Socket, () => void>();
  server.on('connection', (socket: Socket) => {
    if (!sockets.has(socket)) sockets.set(socket, () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * Stops listening at once (the port is free for the daemon's own server when this returns),
 * answers what is open, and cuts a client that keeps its connection after {@link LINGER_MS}.
 */
function closeServer(server: NetServer | HttpServer, sockets: Map<Socket, () => void>): void {
  if (!server.listening) return;
  server.close();
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  for (const answerNow of sockets.values()) answerNow();
  const cut = setTimeout(() => {
    for (const socket of sockets.keys()) socket.destroy();
  }, LINGER_MS);
  cut.unref();
}

/**
 * Binds the phone port and the admin port with stand-in servers that answer 503 (and health and
 * metrics, see above) until {@link JoiningPorts.close}. A port that cannot be bound is a
 * {@link DaemonStartError}, as it would be for the daemon's own servers; nothing stays open then.
 */
export async function openJoiningPorts(options: JoiningPortsOptions): Promise<JoiningPorts> {
  const answer = phoneAnswer();
  const phoneSockets = new Map<Socket, () => void>();
  const phone = createNetServer({ noDelay: true }, (socket) => {
    phoneSockets.set(socket, answerPhone(socket, answer));
    socket.once('close', () => phoneSockets.delete(socket));
  });
  const admin = createHttpServer((req, res) => {
    answerAdmin(options.progress, req, res);
  });
  const adminSockets = tracked(admin);
  let closed = false;
  const close = (): Promise<void> => {
    if (!closed) {
      closed = true;
      closeServer(phone, phoneSockets);
      closeServer(admin, adminSockets);
    }
    return Promise.resolve();
  };
  try {
    const adminAt = await listenOn(admin, 'admin', options.admin);
    const listenerAt = await listenOn(phone, 'listener', options.listener);
    return { listener: listenerAt, admin: adminAt, close };
  } catch (error) {
    await close();
    throw error;
  }
}
