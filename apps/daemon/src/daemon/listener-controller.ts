import type { Logger } from 'pino';
import { isListenerStartError } from '@snomlink/listener';
import type { Listener, ListenerAddress } from '@snomlink/listener';
import type { ListenerStatus, ListenerUpdate, ListenerUpdateResult } from '../api/schemas.js';
import type { ConfigStore } from '../config/config-store.js';
import { ApiError, DaemonStartError } from '../errors.js';
import type { ListenerControl } from '../http/admin-app.js';
import { publicBaseOf } from './public-base.js';

/**
 * How long a stopping daemon lets Action URLs in flight finish (cluster mode: waiting for the
 * stream's ack, itself bounded by `cluster.ackTimeoutMs`, 2 s by default) before it cuts them.
 */
export const LISTENER_STOP_GRACE_MS = 2500;

/** `host:port` given on the command line or in the environment. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link createListenerController}. */
export interface ListenerControllerOptions {
  /** The Action URL listener it starts, stops and moves. */
  readonly listener: Listener;
  /** Where `listener.host`, `listener.port` and `listener.publicHost` are read and written. */
  readonly config: ConfigStore;
  readonly logger: Logger;
  /** `--listen` for this run; a `PUT /api/listener` that moves the listener replaces it. */
  readonly listen?: HostPort | undefined;
}

/**
 * The admin API's {@link ListenerControl} plus what the daemon itself needs: the public base
 * the Action URLs use, the start at boot (failing with a {@link DaemonStartError}) and the stop
 * at shutdown.
 */
export interface ListenerController extends ListenerControl {
  /** The `http://host:port` phones call back on (see `publicBaseOf`). */
  publicBase(): string;
  /** Starts the listener at daemon start; a refused address is a {@link DaemonStartError}. */
  startAtBoot(): Promise<ListenerStatus>;
  /**
   * Stops the listener at shutdown (not queued behind API calls), gracefully: Action URLs in
   * flight still get their answer, requests arriving meanwhile a 503 (see `Listener.stop`).
   */
  close(): Promise<void>;
  update(change: ListenerUpdate): Promise<ListenerUpdateResult>;
}

/** Why a listener operation failed, as text for the status. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The listener's whole runtime state: the `--listen` override, the last error and the queue. */
class DaemonListenerController implements ListenerController {
  readonly #listener: Listener;
  readonly #config: ConfigStore;
  readonly #logger: Logger;
  #listenOverride: HostPort | undefined;
  #error: string | null = null;
  // start/stop/update run one after another (the listener refuses overlapping starts).
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ListenerControllerOptions) {
    this.#listener = options.listener;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#listenOverride = options.listen;
  }

  #host(): string {
    return this.#listenOverride?.host ?? this.#config.current.listener.host;
  }

  #port(): number {
    return this.#listenOverride?.port ?? this.#config.current.listener.port;
  }

  #serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  publicBase(): string {
    return publicBaseOf({
      publicHost: this.#config.current.listener.publicHost,
      host: this.#host(),
      port: this.#listener.address?.port ?? this.#port(),
    });
  }

  status(): ListenerStatus {
    const listener = this.#listener;
    return {
      state: listener.state,
      host: listener.address?.host ?? this.#host(),
      port: listener.address?.port ?? this.#port(),
      publicBase: this.publicBase(),
      publicHost: this.#config.current.listener.publicHost,
      error: this.#error,
    };
  }

  startAtBoot(): Promise<ListenerStatus> {
    return this.#serialized(() => this.#start());
  }

  start(): Promise<ListenerStatus> {
    return this.#serialized(async () => {
      try {
        return await this.#start();
      } catch (error) {
        throw new ApiError(503, 'listener-start-failed', messageOf(error));
      }
    });
  }

  stop(): Promise<ListenerStatus> {
    return this.#serialized(async () => {
      await this.#listener.stop();
      this.#logger.info('Action URL listener stopped');
      return this.status();
    });
  }

  update(change: ListenerUpdate): Promise<ListenerUpdateResult> {
    return this.#serialized(() => this.#update(change));
  }

  close(): Promise<void> {
    return this.#listener.stop({ graceMs: LISTENER_STOP_GRACE_MS });
  }

  async #start(): Promise<ListenerStatus> {
    const listener = this.#listener;
    try {
      await listener.start({ host: this.#host(), port: this.#port() });
      this.#error = null;
      this.#logger.info(
        {
          host: listener.address?.host,
          port: listener.address?.port,
          publicBase: this.publicBase(),
        },
        'Action URL listener active',
      );
    } catch (error) {
      this.#error = messageOf(error);
      if (isListenerStartError(error)) {
        throw new DaemonStartError(
          'listener',
          error.host,
          error.port,
          error.code === 'port-in-use'
            ? `the Action URL listener port ${error.port} is already in use on ${error.host}; choose another port with --listen HOST:PORT (or listener.port in the config)`
            : `the Action URL listener cannot listen on ${error.host}:${error.port}: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    return this.status();
  }

  /** Binds `to` (new socket first, old one closed after); same port on another host: swap. */
  async #move(to: HostPort): Promise<void> {
    const listener = this.#listener;
    const from = listener.address;
    try {
      await listener.start(to);
    } catch (error) {
      // The old socket itself may hold the port (0.0.0.0:P vs 127.0.0.1:P): close it, bind the
      // new address, and go back to the old one if that fails too.
      if (
        from === null ||
        !isListenerStartError(error) ||
        error.code !== 'port-in-use' ||
        to.port !== from.port
      )
        throw error;
      await listener.stop();
      try {
        await listener.start(to);
      } catch (second) {
        await listener.start(from).catch((restore: unknown) => {
          this.#error = messageOf(restore);
          this.#logger.error({ err: restore }, 'the listener could not return to its old address');
        });
        throw second;
      }
    }
  }

  /** Moves the listener first (when active), then writes the config; undoes the move if that fails. */
  async #update(change: ListenerUpdate): Promise<ListenerUpdateResult> {
    const previousPublicBase = this.publicBase();
    const from: ListenerAddress | null = this.#listener.address;
    // Compared with the bound address when active (`--listen :0` bound some real port).
    const current = from ?? { host: this.#host(), port: this.#port() };
    const host = change.host ?? current.host;
    const port = change.port ?? current.port;
    const moves = host !== current.host || port !== current.port;
    const restart = moves && from !== null;
    if (restart) {
      try {
        await this.#move({ host, port });
      } catch (error) {
        if (!isListenerStartError(error)) throw error;
        const where = `${from.host}:${String(from.port)}`;
        throw new ApiError(
          error.code === 'port-in-use' ? 409 : 422,
          error.code === 'port-in-use' ? 'port-in-use' : 'listener-address-refused',
          `${error.message}. The listener keeps running on ${where} and the config is unchanged.`,
          { cause: error },
        );
      }
    }
    try {
      await this.#config.update((config) => ({
        ...config,
        listener: {
          ...config.listener,
          ...(change.host === undefined ? {} : { host: change.host }),
          ...(change.port === undefined ? {} : { port: change.port }),
          ...(change.publicHost === undefined ? {} : { publicHost: change.publicHost }),
        },
      }));
    } catch (error) {
      if (restart) await this.#move(from).catch(() => undefined);
      throw error;
    }
    if (moves && this.#listenOverride !== undefined) this.#listenOverride = { host, port };
    return this.#updated(previousPublicBase, moves, restart);
  }

  /** The answer to `PUT /api/listener` once the change is in place. */
  #updated(previousPublicBase: string, moves: boolean, restart: boolean): ListenerUpdateResult {
    const status = this.status();
    const reprovisionNeeded = status.publicBase !== previousPublicBase;
    const phonesToReprovision = reprovisionNeeded
      ? this.#config.current.phones.map((p) => p.id)
      : [];
    this.#logger.info(
      { host: status.host, port: status.port, publicBase: status.publicBase, restarted: restart },
      'Action URL listener reconfigured',
    );
    const sentences = [
      restart
        ? `The listener now runs on ${status.host}:${String(status.port)}.`
        : moves
          ? 'The listener is stopped; the new address applies when it starts.'
          : 'The listener address is unchanged.',
      reprovisionNeeded
        ? phonesToReprovision.length > 0
          ? `The Action URLs now point at ${status.publicBase}: provision the phones again (${phonesToReprovision.join(', ')}) or they keep calling ${previousPublicBase}.`
          : `The Action URLs now point at ${status.publicBase}.`
        : 'The Action URLs are unchanged.',
    ];
    return {
      ...status,
      restarted: restart,
      previousPublicBase,
      reprovisionNeeded,
      phonesToReprovision,
      detail: sentences.join(' '),
    };
  }
}

/**
 * Controls the Action URL listener for the daemon and its admin API: start, stop and move it
 * (new address bound before the old one closes, rolled back when the config cannot be written),
 * one operation at a time.
 */
export function createListenerController(options: ListenerControllerOptions): ListenerController {
  return new DaemonListenerController(options);
}
