import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { partitionOf as corePartitionOf } from '@snomlink/core';
import type { ClusterCommand, ClusterCommandResult, ClusterLogger } from './cluster-types.js';
import { claim, finish, read, reclaim } from './command-claims.js';
import {
  COMMAND_ID_PATTERN,
  PHONE_ID_PATTERN,
  commandDigest,
  commandReplySchema,
  commandRequestSchema,
  failure,
  parseJson,
  type CommandRecord,
  type CommandReply,
} from './command-wire.js';
import { ClusterError, ClusterUnavailableError } from './errors.js';
import type { ClusterNames } from './names.js';

// Phone commands (dial, drop, provision …) routed to the owner of the phone's partition by
// request/reply on `<prefix>.cmd.<partition>.<phoneId>`. Exactly once: the serving side claims
// the command id with a KV `create` in the commands bucket before running it and stores the
// result on the claim, so a retry, a duplicate or a second server answering the same subject
// gets the stored result instead of a second run. A claim whose runner died is never run again
// (at most once; the caller gets 409).
//
// Trust: anyone who may publish to `<prefix>.cmd.>` can make an owner dial or provision any
// phone, and anyone who may write the commands bucket can plant results. The subjects are exactly
// as trusted as the NATS credentials that allow them; docs/cluster.md says to give only the
// daemons publish/subscribe rights on `<prefix>.>` and `$JS.API.>`.

const LOST: unique symbol = Symbol('lost');
const TIMEOUT: unique symbol = Symbol('timeout');

function resultReply(result: ClusterCommandResult): CommandReply {
  return { v: 1, kind: 'result', result };
}

const NO_LOGGER: ClusterLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Options of {@link createCommandClient}. */
export interface CommandClientOptions {
  readonly nc: NatsConnection;
  readonly names: ClusterNames;
  /** Phone → partition (default core's `partitionOf`, 64 partitions). */
  readonly partitionOf?: (phoneId: string) => number;
  /** Total time a `send` may take (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Time one request attempt waits for a reply before retrying with the same id (default 2 000 ms). */
  readonly attemptTimeoutMs?: number;
}

/** The calling side: any daemon sends a command to the phone's owner. */
export interface CommandClient {
  /**
   * Sends the command and resolves with the owner's result (a stored one on a retry). Rejects
   * with ClusterUnavailableError when no owner answered in time (the command may or may not have
   * run: retry with the same id, it will never run twice), ClusterError for an invalid command.
   */
  send(command: ClusterCommand, timeoutMs?: number): Promise<ClusterCommandResult>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkCommand(command: ClusterCommand): void {
  if (!COMMAND_ID_PATTERN.test(command.id)) {
    throw new ClusterError(
      `command id "${command.id.slice(0, 80)}" is not 1-128 letters, digits, "-" or "_" (use a uuid)`,
    );
  }
  if (!PHONE_ID_PATTERN.test(command.phoneId)) {
    throw new ClusterError(`phone id "${command.phoneId.slice(0, 80)}" is not a valid phone id`);
  }
}

/** Creates the calling side of the command bus on a connected NatsConnection. */
export function createCommandClient(options: CommandClientOptions): CommandClient {
  const { nc, names } = options;
  const partitionOf = options.partitionOf ?? ((id: string) => corePartitionOf(id));
  const defaultTimeout = options.timeoutMs ?? 10_000;
  const attemptTimeout = options.attemptTimeoutMs ?? 2_000;

  return {
    async send(command, timeoutMs = defaultTimeout) {
      checkCommand(command);
      const subject = names.commandSubject(partitionOf(command.phoneId), command.phoneId);
      const deadline = Date.now() + timeoutMs;
      let lastPending: string | null = null;
      let lastError: unknown = null;
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        const attempt = Math.min(remaining, attemptTimeout);
        // A server that finds the id claimed and running waits this long for its result, and
        // answers `pending` before this attempt times out, so the caller learns it is running.
        const waitMs = Math.max(0, Math.floor(attempt - Math.min(500, attempt / 4)));
        const body = JSON.stringify({ v: 1, waitMs, command });
        let msg: Msg;
        try {
          msg = await nc.request(subject, body, { timeout: attempt });
        } catch (e) {
          // No responders (no owner right now, e.g. mid take-over), timeout, reconnecting: the
          // same id is safe to send again.
          lastError = e;
          const left = deadline - Date.now();
          if (left > 0) await sleep(Math.min(250, left));
          continue;
        }
        const reply = parseJson(commandReplySchema, msg.string()) as CommandReply | undefined;
        if (reply === undefined) {
          throw new ClusterError(`command ${command.id}: the owner's reply is not a command reply`);
        }
        if (reply.kind === 'result') return reply.result;
        lastPending = reply.node;
      }
      if (lastPending !== null) {
        return failure(
          409,
          `command ${command.id} was accepted by ${lastPending} but has no result yet (still running, ` +
            'or that node stopped while running it); it will not be run again',
        );
      }
      throw new ClusterUnavailableError(
        `command ${command.id} for ${command.phoneId}: no owner answered within ${String(timeoutMs)} ms ` +
          '(NATS unreachable or the partition has no owner yet); retry with the same id',
        { cause: lastError },
      );
    },
  };
}

/** Options of {@link createCommandServer}. */
export interface CommandServerOptions {
  readonly nc: NatsConnection;
  /** The commands bucket (`names.buckets.commands`, TTL 1 h). */
  readonly commands: KV;
  readonly names: ClusterNames;
  readonly nodeId: string;
  /** Runs a command on this node (the daemon's handler). A throw becomes a stored 500 result. */
  readonly onCommand: (command: ClusterCommand) => Promise<ClusterCommandResult>;
  /** Checked before a claim: a node that no longer owns the phone stays silent (caller retries). */
  readonly owns?: (phoneId: string) => boolean;
  readonly partitionOf?: (phoneId: string) => number;
  readonly logger?: ClusterLogger;
  /** This server instance's claim id (default `<nodeId>/<uuid>`; unique per process, for tests). */
  readonly instanceId?: string;
}

/** The serving side: the owner answers the command subjects of the partitions it owns. */
export interface CommandServer {
  /** Starts answering the partition's commands (idempotent). */
  serve(partition: number): void;
  /** Stops answering the partition's commands at once (commands already running finish). */
  unserve(partition: number): void;
  /** Partitions served now, ascending. */
  served(): readonly number[];
  /** Commands this node ran (not counting stored results returned again). */
  commandsServed(): number;
  /** Stops serving every partition and waits for running commands to store their results. */
  close(): Promise<void>;
}

interface LocalResult {
  readonly digest: string;
  readonly result: ClusterCommandResult;
}

/** Creates the serving side of the command bus; serves nothing until `serve(partition)`. */
export function createCommandServer(options: CommandServerOptions): CommandServer {
  const { nc, commands, names, nodeId, onCommand } = options;
  const logger = options.logger ?? NO_LOGGER;
  const partitionOf = options.partitionOf ?? ((id: string) => corePartitionOf(id));
  // One id per server instance: a running claim with our id that we are not running means our
  // own create was stored although its ack was lost, so we may run it (it never ran).
  const claimer = options.instanceId ?? `${nodeId}/${randomUUID()}`;
  // Queue group: when two nodes serve a partition for a moment (hand-over), each request
  // reaches one of them; the KV claim settles the rest.
  const queue = names.buckets.commands;
  const subs = new Map<number, Subscription>();
  const local = new Map<string, Promise<ClusterCommandResult | typeof LOST>>();
  // Results whose storing failed (NATS trouble): answered from memory to retries here.
  const unstored = new Map<string, LocalResult>();
  let served = 0;

  async function run(
    command: ClusterCommand,
    record: CommandRecord,
    revision: number,
  ): Promise<ClusterCommandResult> {
    let result: ClusterCommandResult;
    try {
      result = await onCommand(command);
    } catch (e) {
      result = failure(500, e instanceof Error ? e.message : String(e));
    }
    served += 1;
    try {
      await finish(commands, command.id, record, revision, result);
    } catch (e) {
      logger.warn({ err: e, commandId: command.id }, 'cluster: could not store a command result');
      unstored.set(command.id, { digest: record.digest, result });
      if (unstored.size > 1000) unstored.delete(unstored.keys().next().value ?? '');
    }
    return result;
  }

  // Claims (create, or update of our own orphaned claim at `revision`) and runs when won. Held in
  // `local` from before the claim is sent until the result is stored, so a retry reaching this
  // instance while our create is still in flight waits for it instead of claiming again.
  function claimAndRun(
    command: ClusterCommand,
    record: CommandRecord,
    revision: number | null,
  ): Promise<ClusterCommandResult | typeof LOST> {
    const p = (async (): Promise<ClusterCommandResult | typeof LOST> => {
      const won =
        revision === null
          ? await claim(commands, command.id, record)
          : await reclaim(commands, command.id, record, revision);
      return won.won ? run(command, record, won.revision) : LOST;
    })().finally(() => {
      local.delete(command.id);
    });
    local.set(command.id, p);
    return p;
  }

  async function execute(command: ClusterCommand, waitMs: number): Promise<CommandReply | null> {
    const digest = commandDigest(command);
    const mine: CommandRecord = { state: 'running', claimer, node: nodeId, digest, at: Date.now() };
    const deadline = Date.now() + waitMs;
    let pause = 50;
    for (;;) {
      const inFlight = local.get(command.id);
      if (inFlight !== undefined) {
        const left = Math.max(0, deadline - Date.now());
        const r = await Promise.race([inFlight, sleep(left).then((): typeof TIMEOUT => TIMEOUT)]);
        if (r === TIMEOUT) return { v: 1, kind: 'pending', node: nodeId };
        if (r !== LOST) return resultReply(r);
      } else {
        const kept = unstored.get(command.id);
        if (kept !== undefined) {
          return resultReply(kept.digest === digest ? kept.result : reused(command.id));
        }
        if (options.owns !== undefined && !options.owns(command.phoneId)) return null;
        const r = await claimAndRun(command, mine, null);
        if (r !== LOST) return resultReply(r);
      }
      const stored = await read(commands, command.id);
      if (stored.kind === 'corrupt') {
        return resultReply(failure(500, `command ${command.id}: stored record is unreadable`));
      }
      if (stored.kind === 'record') {
        const { record } = stored;
        if (record.digest !== digest) return resultReply(reused(command.id));
        if (record.state === 'done') return resultReply(record.result);
        if (record.claimer === claimer && !local.has(command.id)) {
          // Our own claim, stored although its create failed here: it never ran, run it now.
          const r = await claimAndRun(command, mine, stored.revision);
          if (r !== LOST) return resultReply(r);
          continue;
        }
        if (Date.now() >= deadline) return { v: 1, kind: 'pending', node: record.node };
      }
      // Absent (expired between create and get) or running elsewhere: look again shortly.
      await sleep(Math.max(0, Math.min(pause, deadline - Date.now())));
      pause = Math.min(500, pause * 2);
    }
  }

  function reused(id: string): ClusterCommandResult {
    return failure(409, `command id ${id} was already used for a different command; use a new id`);
  }

  function respond(msg: Msg, reply: CommandReply): void {
    try {
      msg.respond(JSON.stringify(reply));
    } catch (e) {
      logger.warn({ err: e }, 'cluster: could not answer a command');
    }
  }

  async function handle(partition: number, msg: Msg): Promise<void> {
    const request = parseJson(commandRequestSchema, msg.string());
    if (request === undefined) {
      respond(msg, { v: 1, kind: 'result', result: failure(400, 'malformed command request') });
      return;
    }
    const { command } = request;
    // The subject routes; the body must name the same phone, and the phone must be in this
    // partition, or an owner would run commands for phones it does not own.
    if (
      msg.subject !== names.commandSubject(partition, command.phoneId) ||
      partitionOf(command.phoneId) !== partition
    ) {
      respond(msg, {
        v: 1,
        kind: 'result',
        result: failure(
          400,
          `command for ${command.phoneId} arrived on the wrong subject ${msg.subject}`,
        ),
      });
      return;
    }
    const reply = await execute(command, request.waitMs);
    if (reply !== null) respond(msg, reply);
  }

  return {
    serve(partition) {
      if (subs.has(partition)) return;
      const sub = nc.subscribe(names.commandPartitionFilter(partition), {
        queue,
        callback: (err, msg) => {
          if (err !== null) {
            logger.warn({ err, partition }, 'cluster: command subscription failed');
            return;
          }
          handle(partition, msg).catch((e: unknown) => {
            // NATS trouble while claiming: no answer, the caller retries with the same id.
            logger.warn({ err: e, partition }, 'cluster: a command could not be claimed');
          });
        },
      });
      subs.set(partition, sub);
    },
    unserve(partition) {
      subs.get(partition)?.unsubscribe();
      subs.delete(partition);
    },
    served() {
      return [...subs.keys()].sort((a, b) => a - b);
    },
    commandsServed() {
      return served;
    },
    async close() {
      for (const sub of subs.values()) sub.unsubscribe();
      subs.clear();
      await Promise.allSettled([...local.values()]);
    },
  };
}
