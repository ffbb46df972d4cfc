import {
  capabilityClassForModel,
  isHttpControlUnsupported,
  toDialable,
  type Call,
  type CallChange,
  type CallState,
  type DialRules,
  type EventHub,
  type LineModel,
  type LinePresence,
  type LineStatusChange,
  type SnomlinkEvent,
} from '@snomlink/core';
import {
  callFeatures,
  toCallInfoState,
  toLineCallInfo,
  toTapiCallState,
  type LineCallInfo,
  type LineCapabilities,
} from './call-mapping.js';
import { addressStatusOf, forwardModeOf } from './address-status.js';
import {
  LINEADDRESSSTATE,
  LINECALLFEATURE,
  LINEDEVSTATE,
  LINEFORWARDMODE,
  hex32,
} from './constants.js';
import { TapiLineError, lineError } from './errors.js';
import {
  TAPI_PROTOCOL_VERSION,
  type LineDevice,
  type LineForwardEntry,
  type TapiCallOperations,
  type TapiMethodResults,
  type TapiNotification,
} from './protocol.js';
import { errorReporter, type TapiLogger } from './logger.js';

/** One phone line the bridge offers. */
export interface TapiLine {
  /** The phone id (also the TAPI line id). */
  readonly id: string;
  readonly name: string;
  /** snom model name (`snom360`, `snom190`, `D785`, …): decides capability class and control. */
  readonly model: string;
  /** Write the Action URLs on the first lineOpen and remove them on the last lineClose. */
  readonly provisionOnOpen?: boolean;
}

/**
 * What one client may do, for bridges shared by tokens of different scope (the daemon's users):
 * lines it cannot see are absent from lineInitialize and answer LINEERR_BADDEVICEID, their calls
 * LINEERR_INVALCALLHANDLE; on a line it sees but may not control, lineMakeCall answers
 * LINEERR_OPERATIONUNAVAIL and the call operations LINEERR_NOTOWNER (a monitor-only handle).
 * Absent: every line, full control.
 */
export interface TapiAccess {
  canSee(lineId: string): boolean;
  canControl(lineId: string): boolean;
}

/** Full access (the admin token). */
export const FULL_TAPI_ACCESS: TapiAccess = { canSee: () => true, canControl: () => true };

/** What the bridge needs from a phone's HTTP client (a subset of `@snomlink/snom-client`'s SnomClient). */
export interface TapiPhoneControl {
  dial(number: string, options?: { identity?: string }): Promise<void>;
  hangUp(): Promise<void>;
  answer(): Promise<void>;
  hold(): Promise<void>;
  unhold(): Promise<void>;
  blindTransfer(number: string): Promise<void>;
  sendDtmf(digits: string): Promise<void>;
}

/** Options of {@link createTapiBridge}. */
export interface TapiBridgeOptions {
  /** The lines, or a function returning the current ones (phones can be added at run time). */
  readonly lines: readonly TapiLine[] | (() => readonly TapiLine[]);
  /** The daemon's hub: call changes and line-status events arrive here. */
  readonly hub: EventHub<SnomlinkEvent>;
  /** The HTTP client of a phone; undefined when there is none. */
  readonly clientFor: (phoneId: string) => TapiPhoneControl | undefined;
  /**
   * Whether a directory name replaces the phone's in the caller-ID `name` (both are always in
   * `phoneName` / `directoryName`). Default false: the phone's name wins, the directory's
   * fills in when the phone sent none.
   */
  readonly preferDirectoryName?: boolean | (() => boolean);
  /** Dial rules for lineMakeCall/lineBlindTransfer and the `dialable` info fields. */
  readonly dialRules: DialRules | (() => DialRules);
  /** Seeds calls that were live before the bridge started (snapshots stay complete). */
  readonly lineModel?: Pick<LineModel, 'liveCalls'>;
  /** How long lineMakeCall waits for the phone to report the new call. Default 15 000 ms. */
  readonly makeCallTimeoutMs?: number;
  /** Writes the phone's Action URLs (for `provisionOnOpen` lines). Rejects on failure. */
  readonly provision?: (phoneId: string) => Promise<void>;
  /** Removes the phone's Action URLs again (last lineClose of a `provisionOnOpen` line). */
  readonly unprovision?: (phoneId: string) => Promise<void>;
  /** Problems that have no caller to report to (a failed unprovision on close). */
  readonly onError?: (error: unknown) => void;
  /** Where those problems go when `onError` is absent (pino fits). Default: silent. */
  readonly logger?: TapiLogger;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
  /** A line's presence (DND, forwarding), for lineGetAddressStatus. Default: none known. */
  readonly presence?: (lineId: string) => LinePresence | undefined;
  /**
   * Switches DND / forwarding on the phone (lineForward, lineSetDoNotDisturb); resolves once the
   * phone took the settings. Without it those methods fail with OPERATIONUNAVAIL.
   */
  readonly setPresence?: (lineId: string, change: TapiPresenceChange) => Promise<void>;
}

/** A DND / forwarding change asked for over TAPI. */
export interface TapiPresenceChange {
  readonly dnd?: boolean;
  readonly forwarding?:
    | {
        readonly enabled: true;
        readonly mode: 'always' | 'busy' | 'timeout';
        readonly target: string;
      }
    | { readonly enabled: false };
}

/** One client's view of the bridge: the lines it opened and the operations it may call. */
export interface TapiSession extends TapiCallOperations {
  /**
   * Starts monitoring a line and returns its live calls. `onOpened` runs synchronously at the
   * moment the line opens, before any notification for it, so a transport can send the reply first.
   */
  lineOpen(
    lineId: string,
    options?: { onOpened?: (result: TapiMethodResults['lineOpen']) => void },
  ): Promise<TapiMethodResults['lineOpen']>;
  lineClose(lineId: string): Promise<TapiMethodResults['lineClose']>;
  /** Dials `destAddress` (canonical or free form) through the dial rules; resolves once the phone reports the call. */
  lineMakeCall(
    lineId: string,
    destAddress: string,
    options?: {
      identity?: string;
      /** Runs synchronously when the phone reports the call, before its first LINE_CALLSTATE. */
      onReported?: (result: TapiMethodResults['lineMakeCall']) => void;
    },
  ): Promise<TapiMethodResults['lineMakeCall']>;
  lineGetCallInfo(callId: string): LineCallInfo;
  lineGetCalls(lineId: string): TapiMethodResults['lineGetCalls'];
  /**
   * Sets or (null / []) cancels forwarding of an open line; UNCOND → '' is DND (see README).
   * Resolves once the phone took it; LINE_ADDRESSSTATE follows when the phone confirms.
   */
  lineForward(
    lineId: string,
    forwardList: readonly LineForwardEntry[] | null,
  ): Promise<TapiMethodResults['lineForward']>;
  /** Extension: DND on/off of an open line. */
  lineSetDoNotDisturb(
    lineId: string,
    enabled: boolean,
  ): Promise<TapiMethodResults['lineSetDoNotDisturb']>;
  /** Extension: the line's forwarding and DND. */
  lineGetAddressStatus(lineId: string): TapiMethodResults['lineGetAddressStatus'];
  /** Lines this session has open. */
  readonly openLines: ReadonlySet<string>;
  /** Closes every open line (unprovisioning where this was the last user) and cancels pending lineMakeCalls. */
  close(): Promise<void>;
}

/** The TAPI bridge: one per daemon, shared by all sessions. */
export interface TapiBridge {
  /** The lines (lineInitialize) the access allows (default: all). */
  lineInitialize(access?: TapiAccess): TapiMethodResults['lineInitialize'];
  /**
   * A new client session; notifications for its open lines go to `onNotification`. `access`
   * limits the lines it may open and control (default: all).
   */
  openSession(options: {
    onNotification: (notification: TapiNotification) => void;
    access?: TapiAccess;
  }): TapiSession;
  /** Live calls as LINECALLINFO, of one line or all. */
  liveCalls(lineId?: string): LineCallInfo[];
  readonly sessionCount: number;
  /** Stops listening to the hub and closes every session. */
  close(): Promise<void>;
}

interface TrackedCall {
  call: Call;
  /** The last state clients were told about. */
  sentState: CallState;
}

interface MakeCallWaiter {
  readonly lineId: string;
  readonly knownStates: ReadonlyMap<string, CallState>;
  resolve(call: Call): void;
}

interface SessionImpl extends TapiSession {
  deliver(lineId: string, notification: TapiNotification): void;
}

const DEFAULT_MAKE_CALL_TIMEOUT_MS = 15_000;
const RECENTLY_IDLE_LIMIT = 4096;
const NOT_DIALED_YET: ReadonlySet<CallState> = new Set(['dialtone', 'idle']);

const DEVSTATE: Readonly<Record<LineStatusChange['status'], number>> = {
  reachable: LINEDEVSTATE.INSERVICE,
  unreachable: LINEDEVSTATE.OUTOFSERVICE,
  'auth-failed': LINEDEVSTATE.OUTOFSERVICE,
  reconfigured: LINEDEVSTATE.CONFIGCHANGE,
  removed: LINEDEVSTATE.REMOVED,
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the TAPI bridge over the daemon's hub: it tracks every live call from the hub's
 * call changes, maps them to TAPI, fans notifications out to sessions, and drives phones through
 * `clientFor` after checking that the call's state allows the operation.
 */
export function createTapiBridge(options: TapiBridgeOptions): TapiBridge {
  const now = options.now ?? Date.now;
  const reportError = errorReporter(options, 'TAPI bridge: unprovisioning a line failed');
  const makeCallTimeoutMs = options.makeCallTimeoutMs ?? DEFAULT_MAKE_CALL_TIMEOUT_MS;
  const calls = new Map<string, TrackedCall>();
  const recentlyIdle = new Set<string>();
  const sessions = new Set<SessionImpl>();
  const openCount = new Map<string, number>();
  const provisioned = new Map<string, Promise<void>>();
  const makeCallWaiters = new Set<MakeCallWaiter>();

  const currentLines = (): readonly TapiLine[] =>
    typeof options.lines === 'function' ? options.lines() : options.lines;
  const findLine = (lineId: string): TapiLine | undefined =>
    currentLines().find((l) => l.id === lineId);
  const rules = (): DialRules =>
    typeof options.dialRules === 'function' ? options.dialRules() : options.dialRules;
  const capabilitiesOf = (lineId: string): LineCapabilities => {
    const line = findLine(lineId);
    return { control: line === undefined || !isHttpControlUnsupported(line.model) };
  };
  const dialable = (n: string): string | null => {
    const r = toDialable(n, rules());
    return r.success ? r.output : null;
  };
  const info = (call: Call): LineCallInfo =>
    toLineCallInfo(call, {
      dialable,
      capabilities: capabilitiesOf(call.phoneId),
      preferDirectoryName:
        typeof options.preferDirectoryName === 'function'
          ? options.preferDirectoryName()
          : (options.preferDirectoryName ?? false),
    });

  const seed = (lineId?: string): void => {
    if (!options.lineModel) return;
    for (const call of options.lineModel.liveCalls(lineId)) {
      if (!calls.has(call.id) && !recentlyIdle.has(call.id) && call.state !== 'idle') {
        calls.set(call.id, { call, sentState: call.state });
      }
    }
  };
  seed();

  const callsOf = (lineId: string): LineCallInfo[] =>
    [...calls.values()]
      .filter((t) => t.call.phoneId === lineId)
      .sort((a, b) => a.call.startedAt - b.call.startedAt)
      .map((t) => info(t.call));

  const broadcast = (lineId: string, notification: TapiNotification): void => {
    for (const session of sessions) session.deliver(lineId, notification);
  };
  /**
   * Whether any session has the line open. A call's info (dial rules, libphonenumber) was
   * ~10 % of the daemon's CPU at saturation (issue 19) although usually no TAPI client is
   * connected: notifications are only built when someone can receive them.
   */
  const watched = (lineId: string): boolean => {
    for (const session of sessions) if (session.openLines.has(lineId)) return true;
    return false;
  };

  const sendState = (call: Call, previous: CallState | null): void => {
    if (!watched(call.phoneId)) return;
    const i = info(call);
    const tapi = toTapiCallState(call);
    broadcast(call.phoneId, {
      method: 'LINE_CALLSTATE',
      params: {
        lineId: call.phoneId,
        callId: call.id,
        callState: tapi.state,
        callStateMode: tapi.mode,
        callStateName: tapi.name,
        previousState:
          previous === null
            ? null
            : toTapiCallState({ state: previous, disconnectMode: null }).state,
        callFeatures: i.callFeatures,
        info: i,
        at: now(),
      },
    });
  };

  const rememberIdle = (callId: string): void => {
    recentlyIdle.add(callId);
    if (recentlyIdle.size > RECENTLY_IDLE_LIMIT) {
      const oldest = recentlyIdle.values().next();
      if (oldest.done !== true) recentlyIdle.delete(oldest.value);
    }
  };

  const onCallState = (call: Call, previousFromCore: CallState | null): void => {
    if (recentlyIdle.has(call.id)) return;
    const tracked = calls.get(call.id);
    const previous = tracked?.sentState ?? previousFromCore;
    if (tracked && tracked.sentState === call.state) {
      tracked.call = call;
      return;
    }
    if (call.state === 'idle') {
      // TAPI applications expect DISCONNECTED before IDLE; core may jump straight to idle
      // (onhook without a disconnected event, a stale-call timeout), so fill the step in.
      if (previous !== 'disconnected') {
        sendState(
          { ...call, state: 'disconnected', disconnectMode: call.disconnectMode ?? 'unknown' },
          previous,
        );
        sendState(call, 'disconnected');
      } else {
        sendState(call, previous);
      }
      calls.delete(call.id);
      rememberIdle(call.id);
      return;
    }
    calls.set(call.id, { call, sentState: call.state });
    // A waiting lineMakeCall replies first, so the client knows the call before its LINE_CALLSTATE
    // (as TAPI's LINE_REPLY precedes the messages of the new hCall).
    if (call.direction === 'outbound' && !NOT_DIALED_YET.has(call.state)) {
      for (const waiter of makeCallWaiters) {
        if (waiter.lineId !== call.phoneId) continue;
        const known = waiter.knownStates.get(call.id);
        if (known === undefined || known === 'dialtone') {
          waiter.resolve(call);
          break;
        }
      }
    }
    sendState(call, previous);
  };

  const onChange = (change: CallChange): void => {
    switch (change.type) {
      case 'call-state':
        onCallState(change.call, change.previousState);
        return;
      case 'call-info': {
        const tracked = calls.get(change.call.id);
        if (tracked === undefined) return;
        tracked.call = change.call;
        if (!watched(change.call.phoneId)) return;
        broadcast(change.call.phoneId, {
          method: 'LINE_CALLINFO',
          params: {
            lineId: change.call.phoneId,
            callId: change.call.id,
            infoState: toCallInfoState(change.fields),
            fields: change.fields.map(String),
            info: info(change.call),
            at: now(),
          },
        });
        return;
      }
      case 'call-finished':
        // Normally the idle call-state came first; this only covers a core that skipped it.
        onCallState(change.call, calls.get(change.call.id)?.sentState ?? null);
        return;
    }
  };

  const unsubscribe = options.hub.subscribe((event) => {
    if (event.type === 'action-event') return;
    if (event.type === 'line-presence') {
      if (!event.changed.includes('dnd') && !event.changed.includes('forwarding')) return;
      broadcast(event.phoneId, {
        method: 'LINE_ADDRESSSTATE',
        params: {
          ...addressStatusOf(event.phoneId, event.presence),
          addressState: LINEADDRESSSTATE.FORWARD,
          at: event.at,
        },
      });
      return;
    }
    if (event.type === 'line-status') {
      broadcast(event.phoneId, {
        method: 'LINE_LINEDEVSTATE',
        params: {
          lineId: event.phoneId,
          devState: DEVSTATE[event.status],
          status: event.status,
          detail: event.detail,
          at: event.at,
        },
      });
      return;
    }
    onChange(event);
  });

  const changePresence = async (
    operation: string,
    lineId: string,
    change: TapiPresenceChange,
  ): Promise<void> => {
    const set = options.setPresence;
    if (set === undefined) {
      throw lineError(
        operation,
        'OPERATIONUNAVAIL',
        `${operation} needs a setPresence callback; the bridge was created without one`,
        { lineId },
      );
    }
    try {
      await set(lineId, change);
    } catch (error) {
      throw lineError(
        operation,
        'OPERATIONFAILED',
        `phone ${lineId} refused or did not answer ${operation}: ${describe(error)}`,
        { lineId, cause: error },
      );
    }
  };

  const ensureProvisioned = (line: TapiLine): Promise<void> => {
    let p = provisioned.get(line.id);
    if (p) return p;
    const provision = options.provision;
    if (!provision) {
      return Promise.reject(
        lineError(
          'lineOpen',
          'OPERATIONUNAVAIL',
          `line ${line.id} has provisionOnOpen set but the bridge was created without a provision callback; pass provision/unprovision to createTapiBridge or turn provisionOnOpen off`,
          { lineId: line.id },
        ),
      );
    }
    p = provision(line.id).catch((error: unknown) => {
      provisioned.delete(line.id);
      throw lineError(
        'lineOpen',
        'OPERATIONFAILED',
        `could not write the Action URLs into phone ${line.id} (provisionOnOpen): ${describe(error)}; check the phone's host, credentials and that it is reachable`,
        { lineId: line.id, cause: error },
      );
    });
    provisioned.set(line.id, p);
    return p;
  };

  const releaseLine = async (lineId: string): Promise<void> => {
    const count = (openCount.get(lineId) ?? 1) - 1;
    if (count > 0) {
      openCount.set(lineId, count);
      return;
    }
    openCount.delete(lineId);
    const wasProvisioned = provisioned.get(lineId);
    if (!wasProvisioned) return;
    provisioned.delete(lineId);
    try {
      await wasProvisioned;
      await options.unprovision?.(lineId);
    } catch (error) {
      reportError(error);
    }
  };

  const openSession = (sessionOptions: {
    onNotification: (notification: TapiNotification) => void;
    access?: TapiAccess;
  }): TapiSession => {
    const access = sessionOptions.access ?? FULL_TAPI_ACCESS;
    /** A line this session may see, or undefined (unknown and out-of-scope look the same). */
    const visibleLine = (lineId: string): TapiLine | undefined =>
      access.canSee(lineId) ? findLine(lineId) : undefined;
    const open = new Set<string>();
    const pendingMakeCalls = new Map<string, { cancel(reason: TapiLineError): void }>();
    let closed = false;

    const requireOpenLine = (operation: string, lineId: string): TapiLine => {
      const line = visibleLine(lineId);
      if (line === undefined)
        throw lineError(
          operation,
          'BADDEVICEID',
          `there is no line ${lineId}; lineInitialize lists the lines`,
          { lineId },
        );
      if (!open.has(lineId))
        throw lineError(
          operation,
          'INVALLINEHANDLE',
          `line ${lineId} is not open; call lineOpen first`,
          { lineId },
        );
      return line;
    };

    const requireCall = (operation: string, callId: string): Call => {
      const tracked = calls.get(callId);
      if (tracked === undefined)
        throw lineError(
          operation,
          'INVALCALLHANDLE',
          `there is no live call ${callId}; lineGetCalls lists the live calls`,
          { callId },
        );
      const lineId = tracked.call.phoneId;
      if (!open.has(lineId))
        throw lineError(
          operation,
          'INVALCALLHANDLE',
          `call ${callId} is on line ${lineId}, which is not open; call lineOpen first`,
          { callId, lineId },
        );
      return tracked.call;
    };

    const controlFor = (operation: string, lineId: string, callId?: string): TapiPhoneControl => {
      if (!access.canControl(lineId))
        throw lineError(
          operation,
          callId === undefined ? 'OPERATIONUNAVAIL' : 'NOTOWNER',
          `this token may monitor line ${lineId} but not control it; ask the admin for control of the line`,
          { lineId, callId },
        );
      const line = findLine(lineId);
      if (line !== undefined && isHttpControlUnsupported(line.model))
        throw lineError(
          operation,
          'OPERATIONUNAVAIL',
          `phone ${lineId} (${line.model}) takes no HTTP commands; the line can only be monitored`,
          { lineId, callId },
        );
      const client = options.clientFor(lineId);
      if (client === undefined)
        throw lineError(
          operation,
          'OPERATIONUNAVAIL',
          `no HTTP client is configured for phone ${lineId}`,
          { lineId, callId },
        );
      return client;
    };

    const runOnPhone = async (
      operation: string,
      call: Call,
      run: () => Promise<void>,
    ): Promise<void> => {
      try {
        await run();
      } catch (error) {
        throw lineError(
          operation,
          'OPERATIONFAILED',
          `phone ${call.phoneId} refused or did not answer ${operation}: ${describe(error)}`,
          { lineId: call.phoneId, callId: call.id, cause: error },
        );
      }
    };

    const callOperation = async (
      operation: string,
      callId: string,
      feature: number,
      run: (client: TapiPhoneControl) => Promise<void>,
    ): Promise<Call> => {
      const call = requireCall(operation, callId);
      const client = controlFor(operation, call.phoneId, callId);
      if ((callFeatures(call.state) & feature) === 0) {
        throw lineError(
          operation,
          'INVALCALLSTATE',
          `${operation} is not allowed while call ${callId} is ${toTapiCallState(call).name}`,
          { lineId: call.phoneId, callId },
        );
      }
      await runOnPhone(operation, call, () => run(client));
      return call;
    };

    const toDial = (
      operation: string,
      destAddress: string,
      lineId: string,
      callId?: string,
    ): string => {
      const r = toDialable(destAddress, rules());
      if (!r.success) {
        throw lineError(
          operation,
          'INVALADDRESS',
          `cannot dial "${destAddress}": ${r.issues.map((i) => i.message).join('; ')}`,
          { lineId, callId },
        );
      }
      return r.output;
    };

    const session: SessionImpl = {
      openLines: open,
      deliver(lineId, notification) {
        if (!closed && open.has(lineId)) sessionOptions.onNotification(notification);
      },

      async lineOpen(lineId, openOptions = {}) {
        const line = visibleLine(lineId);
        if (line === undefined)
          throw lineError(
            'lineOpen',
            'BADDEVICEID',
            `there is no line ${lineId}; lineInitialize lists the lines`,
            { lineId },
          );
        if (!open.has(lineId)) {
          if (line.provisionOnOpen === true) await ensureProvisioned(line);
          if (closed)
            throw lineError(
              'lineOpen',
              'OPERATIONFAILED',
              'the session closed while the line was opening',
              { lineId },
            );
          if (!open.has(lineId)) {
            openCount.set(lineId, (openCount.get(lineId) ?? 0) + 1);
            open.add(lineId);
          }
        }
        seed(lineId);
        const result = { lineId, calls: callsOf(lineId) };
        openOptions.onOpened?.(result);
        return result;
      },

      async lineClose(lineId) {
        if (!open.has(lineId))
          throw lineError('lineClose', 'INVALLINEHANDLE', `line ${lineId} is not open`, { lineId });
        open.delete(lineId);
        pendingMakeCalls
          .get(lineId)
          ?.cancel(
            lineError(
              'lineMakeCall',
              'OPERATIONFAILED',
              `line ${lineId} was closed while waiting for the call`,
              { lineId },
            ),
          );
        await releaseLine(lineId);
        return { lineId };
      },

      async lineMakeCall(lineId, destAddress, makeOptions = {}) {
        requireOpenLine('lineMakeCall', lineId);
        const client = controlFor('lineMakeCall', lineId);
        const dialed = toDial('lineMakeCall', destAddress, lineId);
        if ([...makeCallWaiters].some((w) => w.lineId === lineId))
          throw lineError(
            'lineMakeCall',
            'RESOURCEUNAVAIL',
            `line ${lineId} is still waiting for the phone to report the previous lineMakeCall; retry when it has replied`,
            { lineId },
          );

        const knownStates = new Map<string, CallState>();
        for (const t of calls.values())
          if (t.call.phoneId === lineId) knownStates.set(t.call.id, t.call.state);

        let timer: ReturnType<typeof setTimeout> | undefined;
        let waiter: MakeCallWaiter | undefined;
        const reported = new Promise<TapiMethodResults['lineMakeCall']>((resolve, reject) => {
          const done = (): void => {
            if (timer !== undefined) clearTimeout(timer);
            if (waiter) makeCallWaiters.delete(waiter);
            pendingMakeCalls.delete(lineId);
          };
          waiter = {
            lineId,
            knownStates,
            resolve: (call) => {
              done();
              const result = { callId: call.id, dialed, info: info(call) };
              makeOptions.onReported?.(result);
              resolve(result);
            },
          };
          makeCallWaiters.add(waiter);
          pendingMakeCalls.set(lineId, {
            cancel: (reason) => {
              done();
              reject(reason);
            },
          });
          timer = setTimeout(() => {
            done();
            reject(
              lineError(
                'lineMakeCall',
                'OPERATIONFAILED',
                `phone ${lineId} accepted the dial command but reported no outgoing call within ${makeCallTimeoutMs} ms; check that its Action URLs point at this daemon`,
                { lineId },
              ),
            );
          }, makeCallTimeoutMs);
        });
        // Attach a handler now so an early rejection is never unhandled while we dial.
        reported.catch(() => undefined);

        try {
          const dialOptions =
            makeOptions.identity === undefined ? undefined : { identity: makeOptions.identity };
          await client.dial(dialed, dialOptions);
        } catch (error) {
          const failure = lineError(
            'lineMakeCall',
            'OPERATIONFAILED',
            `phone ${lineId} refused or did not answer the dial command: ${describe(error)}`,
            { lineId, cause: error },
          );
          pendingMakeCalls.get(lineId)?.cancel(failure);
          throw failure;
        }
        return reported;
      },

      async lineDrop(callId) {
        await callOperation('lineDrop', callId, LINECALLFEATURE.DROP, (c) => c.hangUp());
        return { callId };
      },
      async lineAnswer(callId) {
        await callOperation('lineAnswer', callId, LINECALLFEATURE.ANSWER, (c) => c.answer());
        return { callId };
      },
      async lineHold(callId) {
        await callOperation('lineHold', callId, LINECALLFEATURE.HOLD, (c) => c.hold());
        return { callId };
      },
      async lineUnhold(callId) {
        await callOperation('lineUnhold', callId, LINECALLFEATURE.UNHOLD, (c) => c.unhold());
        return { callId };
      },
      async lineBlindTransfer(callId, destAddress) {
        const call = requireCall('lineBlindTransfer', callId);
        const dialed = toDial('lineBlindTransfer', destAddress, call.phoneId, callId);
        await callOperation('lineBlindTransfer', callId, LINECALLFEATURE.BLINDTRANSFER, (c) =>
          c.blindTransfer(dialed),
        );
        return { callId, dialed };
      },
      async lineGenerateDigits(callId, digits) {
        if (!/^[0-9*#A-Da-d]+$/.test(digits))
          throw lineError(
            'lineGenerateDigits',
            'INVALDIGITS',
            `"${digits}" holds characters other than 0-9 * # A-D`,
            { callId },
          );
        await callOperation('lineGenerateDigits', callId, LINECALLFEATURE.GENERATEDIGITS, (c) =>
          c.sendDtmf(digits),
        );
        return { callId };
      },
      lineGetCallInfo(callId) {
        const tracked = calls.get(callId);
        if (tracked === undefined || !access.canSee(tracked.call.phoneId))
          throw lineError('lineGetCallInfo', 'INVALCALLHANDLE', `there is no live call ${callId}`, {
            callId,
          });
        return info(tracked.call);
      },
      async lineForward(lineId, forwardList) {
        requireOpenLine('lineForward', lineId);
        const entry = forwardList?.[0];
        if (forwardList !== null && forwardList.length > 1) {
          throw lineError('lineForward', 'INVALPARAM', 'one forwarding entry is supported', {
            lineId,
          });
        }
        let change: TapiPresenceChange;
        if (entry === undefined) change = { forwarding: { enabled: false } };
        else if (entry.forwardMode === LINEFORWARDMODE.UNCOND && entry.destAddress === '') {
          change = { dnd: true };
        } else {
          const mode = forwardModeOf(entry.forwardMode);
          if (mode === undefined || entry.destAddress === '') {
            throw lineError(
              'lineForward',
              'INVALPARAM',
              `forwardMode ${hex32(entry.forwardMode)} with "${entry.destAddress}" is not supported; use UNCOND, BUSY or NOANSW with a destAddress (UNCOND with '' is DND)`,
              { lineId },
            );
          }
          change = { forwarding: { enabled: true, mode, target: entry.destAddress } };
        }
        await changePresence('lineForward', lineId, change);
        return { lineId };
      },
      async lineSetDoNotDisturb(lineId, enabled) {
        requireOpenLine('lineSetDoNotDisturb', lineId);
        await changePresence('lineSetDoNotDisturb', lineId, { dnd: enabled });
        return { lineId, enabled };
      },
      lineGetAddressStatus(lineId) {
        if (findLine(lineId) === undefined)
          throw lineError(
            'lineGetAddressStatus',
            'BADDEVICEID',
            `there is no line ${lineId}; lineInitialize lists the lines`,
            { lineId },
          );
        return addressStatusOf(lineId, options.presence?.(lineId));
      },
      lineGetCalls(lineId) {
        if (visibleLine(lineId) === undefined)
          throw lineError(
            'lineGetCalls',
            'BADDEVICEID',
            `there is no line ${lineId}; lineInitialize lists the lines`,
            { lineId },
          );
        return { lineId, calls: callsOf(lineId) };
      },

      async close() {
        if (closed) return;
        closed = true;
        sessions.delete(session);
        for (const [lineId, pending] of pendingMakeCalls) {
          pending.cancel(
            lineError(
              'lineMakeCall',
              'OPERATIONFAILED',
              'the session closed while waiting for the call',
              { lineId },
            ),
          );
        }
        const lines = [...open];
        open.clear();
        await Promise.all(lines.map((l) => releaseLine(l)));
      },
    };
    sessions.add(session);
    return session;
  };

  return {
    lineInitialize(access = FULL_TAPI_ACCESS) {
      const lines: LineDevice[] = currentLines()
        .filter((l) => access.canSee(l.id))
        .map((l) => ({
          lineId: l.id,
          name: l.name,
          model: l.model,
          capabilityClass: capabilityClassForModel(l.model),
          canControl: !isHttpControlUnsupported(l.model) && access.canControl(l.id),
          provisionOnOpen: l.provisionOnOpen === true,
        }));
      return { apiVersion: TAPI_PROTOCOL_VERSION, lines };
    },
    openSession,
    liveCalls(lineId) {
      return [...calls.values()]
        .filter((t) => lineId === undefined || t.call.phoneId === lineId)
        .map((t) => info(t.call));
    },
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      unsubscribe();
      await Promise.all([...sessions].map((s) => s.close()));
    },
  };
}
