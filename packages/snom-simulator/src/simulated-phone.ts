import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { capabilityClassForModel, isHttpControlUnsupported } from '@snomlink/core';
import {
  expandTemplate,
  isLoopbackHost,
  sendRawGet,
  splitActionUrl,
  type SendResult,
} from './action-url.js';
import { createDigestVerifier, type DigestAlgorithm, type DigestVerifier } from './digest-auth.js';
import {
  ActionUrlTimeoutError,
  CallStateError,
  SimulatorError,
  SimulatorListenError,
} from './errors.js';
import {
  GARBAGE_PAGE,
  renderIndexPage,
  renderInfoPage,
  renderLogPage,
  renderSettingsPage,
} from './pages.js';
import {
  SIMULATOR_PRESENCE_SETTINGS,
  dndFromSettings,
  dndSettings,
  forwardingFromSettings,
  forwardingSettings,
  type PresenceSettingNames,
  type SimulatedForwarding,
} from './presence.js';
import { selfSignedCertificate } from './self-signed.js';
import { DEFAULT_LOG_MAX_CHARS, SipLog } from './sip-log.js';
import {
  defaultProfileForModel,
  firmwareProfileSpec,
  httpUserAgent,
  pageTitle,
  type FirmwareProfile,
  type LogLineFormat,
  type SipTraceFormat,
} from './firmware-profiles.js';
import {
  ACTION_URL_SETTINGS,
  PARAMETERLESS_KINDS,
  type FiredActionUrl,
  type PhoneFault,
  type RecordedRequest,
  type RefusedCall,
  type SimulatedCall,
  type SimulatedCallState,
  type SimulatedEventKind,
} from './types.js';

/** Options of {@link createSimulatedPhone}. */
export interface SimulatedPhoneOptions {
  /**
   * Firmware era: log formats, HTTP identity and quirks (see {@link FirmwareProfile}). Default
   * from the model (`3.x-190` for 190-class models, `10.1`/`10.1-D8xx` for D models, else `8.7`);
   * without a model, `8.7` on a snom360.
   */
  firmwareProfile?: FirmwareProfile;
  /** 'snom360' (default, full params), 'snom190' (parameterless), 'D785', 'D865' (D8xx: Phone Manager, no HTTP commands). Default from `firmwareProfile`. */
  model?: string;
  /** Default 'none'. */
  auth?: 'none' | 'basic' | 'digest';
  /** Default 'admin'. */
  username?: string;
  /** Default 'admin'. */
  password?: string;
  /** Digest challenge algorithm(s); 'both' sends a SHA-256 and an MD5 challenge. Default 'MD5'. */
  digestAlgorithm?: DigestAlgorithm | 'both';
  /** How long a Digest nonce stays valid before `stale=true` (default 300 000 ms). */
  nonceTtlMs?: number;
  /** Auth realm (default 'snom'). */
  realm?: string;
  /** Serve https (self-signed certificate generated at start); plain http gets 307 to https. */
  https?: boolean;
  /** raw (default): variables expanded NOT percent-encoded, as real phones do. */
  actionUrlEncoding?: 'raw' | 'encoded';
  /** Bytes of non-ASCII text in Action URLs: 'utf8' (default) or 'latin1' (older firmware, Unverified). */
  actionUrlCharset?: 'utf8' | 'latin1';
  /** Per Action URL request (default 2000 ms). */
  actionUrlTimeoutMs?: number;
  /** Allow Action URLs to hosts outside 127.0.0.0/8 (default false: they are recorded as blocked). */
  allowNonLoopbackTargets?: boolean;
  /** The phone's own SIP identity, default 201@pbx.example. */
  identity?: { user: string; host: string; displayName?: string };
  /** How long the far end rings before answering a dialled call (default 300). */
  answerDelayMs?: number;
  /** 12 hex digits, default 000413 + random. */
  mac?: string;
  /** Firmware version shown on info.htm (default per model). */
  firmware?: string;
  /** Settings present at start (e.g. Action URLs). */
  settings?: Readonly<Record<string, string>>;
  /** Setting names DND and forwarding are read from (default {@link SIMULATOR_PRESENCE_SETTINGS}). */
  presenceSettings?: PresenceSettingNames;
  /** Write the SIP-trace-like log (default: true for 190-class phones, false otherwise). */
  sipLog?: boolean;
  /** How SIP messages are introduced in the log; default from the firmware profile. */
  sipTraceFormat?: SipTraceFormat;
  /** Line head of the log's own lines; default from the firmware profile. */
  logLineFormat?: LogLineFormat;
  /**
   * How `$remote` / `$local` expand: `user@host` (default, as real phones send them,
   * snom-evidence.md §1) or `sip-uri` (`sip:user@host`, for robustness tests).
   */
  addressForm?: 'user@host' | 'sip-uri';
  /** Log buffer size in characters (default 64 KiB); older text is dropped first. */
  logMaxChars?: number;
  /**
   * Where the log page is (default `/log.htm`; the real URL is Unverified, snom-evidence.md §4):
   * e.g. `/sip_trace.htm` for a phone whose `/log.htm` answers 404. Any `clear` or `clear_log`
   * query on it empties the log.
   */
  logPagePath?: string;
  /** How many requests / fired Action URLs to keep (default 10 000 each). */
  recordLimit?: number;
  /** `dummy.htm` decodes `+` as a space, as form decoding does (default true; Unverified). */
  plusAsSpace?: boolean;
  /** A name used in error messages (default: the address once listening). */
  id?: string;
  /** Clock for log timestamps and nonce expiry. */
  now?: () => number;
}

/** Options of {@link SimulatedPhone.dial}. */
export interface DialOptions {
  /** Identity URI (`outgoing_uri`) the call goes out on. */
  identity?: string;
  /** Whether the far end answers by itself after `answerDelayMs` (default true). */
  autoAnswer?: boolean;
  /** Override `answerDelayMs` for this call. */
  answerDelayMs?: number;
  /** Call-ID to use instead of a generated one. */
  callId?: string;
}

/** A virtual snom phone: HTTP surface, call behaviour, Action URLs, faults. */
export interface SimulatedPhone {
  listen(options?: {
    host?: string;
    port?: number;
  }): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
  /** The model name, e.g. 'snom360'. */
  readonly model: string;
  /** 'full' or 'parameterless' (190 class). */
  readonly capabilities: 'full' | 'parameterless';
  /** Base URL once listening (`http://127.0.0.2:41234` or https). */
  readonly url: string | null;
  /** Host and port once listening. */
  readonly address: { host: string; port: number } | null;
  /** In-memory settings, written by `dummy.htm?settings=save`. */
  readonly settings: ReadonlyMap<string, string>;
  /** Names written with `store_settings=save` (would survive a reboot). */
  readonly storedSettings: ReadonlySet<string>;
  readonly requests: readonly RecordedRequest[];
  readonly firedActionUrls: readonly FiredActionUrl[];
  /** Live calls, oldest first. */
  readonly calls: readonly SimulatedCall[];
  /** Current log text (what /log.htm shows, unescaped). */
  readonly logText: string;
  /** The SIP URI of the phone's own identity. */
  readonly identityUri: string;
  /** The firmware era this phone plays. */
  readonly firmwareProfile: FirmwareProfile;
  /** HTTP requests being answered right now (what `chokeOnConcurrent` looks at). */
  readonly activeRequests: number;
  /**
   * Write settings as `dummy.htm` would. A change of DND or forwarding fires `dnd-on` / `dnd-off`
   * / `redirection-on` / `redirection-off`, as switching it on the phone does.
   */
  setSettings(settings: Readonly<Record<string, string>>): void;
  /** Do not disturb: incoming calls are refused (486) without ringing or an Action URL. */
  readonly dnd: boolean;
  /** Call forwarding: `always` sends every call on (302), `busy` only while a call is live. */
  readonly forwarding: SimulatedForwarding | null;
  /** Incoming calls refused by DND or forwarded, oldest first. */
  readonly refusedCalls: readonly RefusedCall[];
  /** The user switches DND on the phone (fires `dnd-on` / `dnd-off` when it changes). */
  setDnd(on: boolean): Promise<void>;
  /** The user sets up or clears forwarding on the phone (fires `redirection-on` / `-off`). */
  setForwarding(forwarding: SimulatedForwarding | null): Promise<void>;
  /** An incoming call starts ringing; resolves with its Call-ID once `incoming` was fired. */
  ring(from: string, options?: { display?: string; callId?: string }): Promise<string>;
  /** Answer the ringing call (or the given one). */
  answer(callId?: string): Promise<void>;
  /** The user ends the active call (a ringing call is rejected, a dialling one cancelled). */
  hangUp(callId?: string): Promise<void>;
  /** The far end ends the call; on a ringing call the caller gives up (missed). */
  remoteHangUp(callId?: string): Promise<void>;
  /** The far end answers a dialled call (when `autoAnswer: false`). */
  remoteAnswer(callId?: string): Promise<void>;
  /** Reject the ringing call with CANCEL (fires no Action URL). */
  reject(callId?: string): Promise<void>;
  hold(callId?: string): Promise<void>;
  unhold(callId?: string): Promise<void>;
  /** Same as a command.htm?number= request; resolves with the Call-ID once `outgoing` was fired. */
  dial(number: string, options?: DialOptions): Promise<string>;
  /** Blind-transfer the active call to `number` (the call ends here). */
  blindTransfer(number: string): Promise<void>;
  /** End every call (RELEASE_ALL_CALLS). */
  releaseAllCalls(): Promise<void>;
  /** Press keys as `command.htm?key=` does (`ENTER`, `CANCEL`, digits, …). */
  pressKeys(keys: readonly string[]): Promise<void>;
  /** Replace the whole fault set; resolves when it is in effect. */
  setFault(fault: PhoneFault): Promise<void>;
  /** The current fault set. */
  readonly fault: Readonly<PhoneFault>;
  /** Make every Digest nonce handed out so far expire (next use gets `stale=true`). */
  expireNonces(): void;
  /** Resolves when every queued Action URL has been sent. */
  idle(): Promise<void>;
  /**
   * The next Action URL of `kind` not yet returned by an earlier call (already fired or still to
   * come), so `ring(); ring();` then two waits give the two `incoming` URLs in order.
   */
  waitForActionUrl(kind: string, options?: { timeoutMs?: number }): Promise<FiredActionUrl>;
  on(event: 'request', listener: (request: RecordedRequest) => void): () => void;
  on(event: 'action-url', listener: (fired: FiredActionUrl) => void): () => void;
  /** Every call state change; `ended` when the call is gone. */
  on(
    event: 'call',
    listener: (call: SimulatedCall, change: SimulatedCallState | 'ended') => void,
  ): () => void;
}

interface CallRecord {
  id: string;
  direction: 'incoming' | 'outgoing';
  state: SimulatedCallState;
  remote: string;
  display: string;
  dtmf: string;
  startedAt: number;
  connectedAt: number | null;
  localTag: string;
  remoteTag: string;
  cseq: number;
  localCseq: number;
  branch: string;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_FIRMWARE: Readonly<Record<string, string>> = {
  snom190: '3.60s',
  snom200: '3.56z',
  snom220: '3.60s',
  snom360: '8.7.5.35',
  snom370: '8.7.5.35',
  D785: '10.1.159.12',
  D865: '10.1.175.0',
};

const PBX = '127.0.0.1:5060';

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Lower-case letters and digits, as in snom Call-ID tails and `;line=` tokens. */
function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length] ?? 'x';
  return out;
}

/** A Call-ID the phone makes itself: `3c3b966053be-phxdiv27t9gm` (tine20; snom-evidence.md §1). */
function snomCallId(): string {
  return `${hex(6)}-${randomToken(12)}`;
}

function decodeValue(raw: string, plusAsSpace: boolean): string {
  const text = plusAsSpace ? raw.replace(/\+/g, ' ') : raw;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `sip:` URI for a number or address (`+4930…` → `sip:+4930…@host`). */
function toSipUri(address: string, host: string): string {
  const trimmed = address.trim();
  if (/^(sips?|tel):/i.test(trimmed)) return trimmed;
  return trimmed.includes('@') ? `sip:${trimmed}` : `sip:${trimmed}@${host}`;
}

/**
 * Create a virtual snom phone. Call `listen()` to serve its HTTP surface on a 127.0.0.0/8
 * address; Action URLs written into its settings fire as calls progress.
 */
export function createSimulatedPhone(options: SimulatedPhoneOptions = {}): SimulatedPhone {
  const firmwareProfile =
    options.firmwareProfile ??
    (options.model === undefined ? '8.7' : defaultProfileForModel(options.model));
  const profile = firmwareProfileSpec(firmwareProfile);
  const model = options.model ?? profile.defaultModel;
  const capabilities = capabilityClassForModel(model);
  const phoneManager = isHttpControlUnsupported(model);
  const now = options.now ?? Date.now;
  const identity = options.identity ?? { user: '201', host: 'pbx.example' };
  const identityUri = `sip:${identity.user}@${identity.host}`;
  const username = options.username ?? 'admin';
  const password = options.password ?? 'admin';
  const realm = options.realm ?? 'snom';
  const auth = options.auth ?? 'none';
  const answerDelayMs = options.answerDelayMs ?? 300;
  const recordLimit = options.recordLimit ?? 10_000;
  const plusAsSpace = options.plusAsSpace ?? true;
  const encode =
    options.actionUrlEncoding === 'encoded' ? encodeURIComponent : (v: string): string => v;
  const charset = options.actionUrlCharset ?? 'utf8';
  const mac = (options.mac ?? `000413${hex(3)}`).toUpperCase();
  const firmware =
    options.firmware ??
    (options.firmwareProfile === undefined
      ? (DEFAULT_FIRMWARE[model] ?? profile.firmware)
      : profile.firmware);
  const sipLogEnabled = options.sipLog ?? capabilities === 'parameterless';
  const logPagePath = options.logPagePath ?? '/log.htm';
  if (!/^\/[\x21-\x3e\x40-\x7e]*$/.test(logPagePath)) {
    throw new SimulatorError(
      `invalid logPagePath ${JSON.stringify(logPagePath)}; use a path like /sip_trace.htm (leading /, no query)`,
    );
  }
  const log = new SipLog(options.logMaxChars ?? DEFAULT_LOG_MAX_CHARS, now, {
    trace: options.sipTraceFormat ?? profile.traceFormat,
    lines: options.logLineFormat ?? profile.logLineFormat,
  });
  /** The HTTP client's User-Agent (Action URLs), in the public Mozilla/4.0 form. */
  const userAgent = httpUserAgent(model, firmware);
  /** The SIP User-Agent header (`snom370/8.7.5.48`, snom-evidence.md §4). */
  const sipUserAgent = `${model}/${firmware}`;
  const addressForm = options.addressForm ?? 'user@host';
  /** `$remote` / `$local` as the phone expands them. */
  const expandAddress = (uri: string): string =>
    addressForm === 'sip-uri' ? uri : uri.replace(/^sips?:/i, '');
  /** The `;line=` token real snom phones put in their Contact (snom-evidence.md §4). */
  const lineToken = randomToken(8);

  const settings = new Map<string, string>(Object.entries(options.settings ?? {}));
  const presenceNames = options.presenceSettings ?? SIMULATOR_PRESENCE_SETTINGS;
  let dndOn = dndFromSettings(settings, presenceNames);
  let forwarding = forwardingFromSettings(settings, presenceNames);
  const refused: RefusedCall[] = [];
  const storedSettings = new Set<string>();
  const requests: RecordedRequest[] = [];
  const fired: FiredActionUrl[] = [];
  const calls = new Map<string, CallRecord>();
  const requestListeners = new Set<(r: RecordedRequest) => void>();
  const actionListeners = new Set<(f: FiredActionUrl) => void>();
  const callListeners = new Set<(c: SimulatedCall, change: SimulatedCallState | 'ended') => void>();
  const waitCursor = new Map<string, number>();
  const waiters: { kind: string; resolve: (f: FiredActionUrl) => void }[] = [];
  const sockets = new Set<net.Socket>();

  let seq = 0;
  /** HTTP requests being answered now (for the `chokeOnConcurrent` fault). */
  let inFlight = 0;
  let queue: Promise<void> = Promise.resolve();
  let hookOff = false;
  let keypad = '';
  let transferMode = false;
  let fault: PhoneFault = {};
  let address: { host: string; port: number } | null = null;
  let closed = false;
  let httpsServer: https.Server | undefined;
  let digest: DigestVerifier | undefined;

  const phoneId = (): string =>
    options.id ?? (address === null ? model : `${address.host}:${String(address.port)}`);

  if (auth === 'digest') {
    const algorithms: DigestAlgorithm[] =
      options.digestAlgorithm === 'both' ? ['SHA-256', 'MD5'] : [options.digestAlgorithm ?? 'MD5'];
    digest = createDigestVerifier({
      realm,
      username,
      password,
      algorithms,
      nonceTtlMs: options.nonceTtlMs ?? 300_000,
      now,
    });
  }

  // ---------------------------------------------------------------- Action URLs

  function pushBounded<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > recordLimit) list.splice(0, list.length - recordLimit);
  }

  function deliver(record: FiredActionUrl): void {
    pushBounded(fired, record);
    for (const listener of actionListeners) listener(record);
    for (let i = 0; i < waiters.length; i += 1) {
      const waiter = waiters[i];
      if (waiter?.kind !== record.kind) continue;
      if (record.seq <= (waitCursor.get(record.kind) ?? 0)) continue;
      waitCursor.set(record.kind, record.seq);
      waiters.splice(i, 1);
      waiter.resolve(record);
      break;
    }
  }

  function runtimeVariables(call: CallRecord | undefined): Record<string, string> {
    const ip = address?.host ?? '127.0.0.1';
    return {
      'call-id': call?.id ?? '',
      nr_ongoing_calls: String(calls.size),
      active_user: identity.user,
      active_host: identity.host,
      active_url: identityUri,
      local: expandAddress(identityUri),
      remote: call?.remote === undefined ? '' : expandAddress(call.remote),
      display_local: identity.displayName ?? '',
      display_remote: call?.display ?? '',
      phone_ip: ip,
      local_ip: ip,
      cancel_reason: '',
      mac,
    };
  }

  /** Queue one event's Action URL (state is captured now; sending waits for earlier ones). */
  function fire(kind: SimulatedEventKind, call: CallRecord | undefined): Promise<void> {
    if (capabilities === 'parameterless' && !PARAMETERLESS_KINDS.includes(kind)) return queue;
    const setting = ACTION_URL_SETTINGS[kind];
    const template = settings.get(setting);
    if (template === undefined || template.trim() === '') return queue;
    const at = now();
    const expanded =
      capabilities === 'parameterless'
        ? template
        : expandTemplate(template, runtimeVariables(call), settings, encode);
    const callId = call?.id ?? null;
    queue = queue.then(async () => {
      seq += 1;
      const mySeq = seq;
      const urlBytes = Buffer.from(expanded, charset);
      const target = splitActionUrl(expanded);
      let request = '';
      let result: SendResult;
      if (target === undefined) {
        result = { status: null, error: 'not an http(s) URL' };
      } else {
        const hostHeader =
          target.port === (target.scheme === 'https' ? 443 : 80)
            ? target.host
            : `${target.host}:${String(target.port)}`;
        const requestBytes = Buffer.concat([
          Buffer.from('GET ', 'latin1'),
          Buffer.from(target.target, charset),
          Buffer.from(
            ` HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: ${userAgent}\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
            'latin1',
          ),
        ]);
        request = requestBytes.toString('latin1');
        if (!isLoopbackHost(target.host) && options.allowNonLoopbackTargets !== true) {
          result = {
            status: null,
            error: `blocked: ${target.host} is outside 127.0.0.0/8 (set allowNonLoopbackTargets to allow it)`,
          };
        } else {
          result = await sendRawGet({
            target,
            request: requestBytes,
            localAddress: address?.host,
            timeoutMs: options.actionUrlTimeoutMs ?? 2000,
          });
        }
      }
      deliver({
        seq: mySeq,
        kind,
        setting,
        callId,
        url: urlBytes.toString('latin1'),
        request,
        status: result.status,
        error: result.error,
        at,
      });
    });
    return queue;
  }

  // ---------------------------------------------------------------- SIP log

  /** This phone's SIP address: the listening host (127.0.0.1 before listen()) at port 5060. */
  function ownContact(): string {
    return `${address?.host ?? '127.0.0.1'}:5060`;
  }

  /** A request the PBX sends to this phone's own URI (ACK, CANCEL). */
  function toOwnUri(method: string): string {
    return `${method} sip:${identity.user}@${ownContact()};line=${lineToken} SIP/2.0`;
  }

  function sipHeaders(call: CallRecord, cseq: string, fromLocal: boolean): string[] {
    const remoteParty = `${call.display === '' ? '' : `"${call.display}" `}<${call.remote}>`;
    const localParty = `<${identityUri}>`;
    const caller = call.direction === 'incoming' ? remoteParty : localParty;
    const callee = call.direction === 'incoming' ? localParty : remoteParty;
    const callerTag = call.direction === 'incoming' ? call.remoteTag : call.localTag;
    const calleeTag = call.direction === 'incoming' ? call.localTag : call.remoteTag;
    const own = ownContact();
    const dialog = call.state !== 'ringing' && call.state !== 'dialing';
    const from = `From: ${caller};tag=${callerTag}`;
    const to = `To: ${callee}${dialog || !fromLocal ? `;tag=${calleeTag}` : ''}`;
    return [
      `Via: SIP/2.0/UDP ${call.direction === 'incoming' ? PBX : own};branch=z9hG4bK${call.branch}`,
      from,
      to,
      `Call-ID: ${call.id}`,
      `CSeq: ${cseq}`,
    ];
  }

  function logSip(
    direction: 'received' | 'sent',
    call: CallRecord,
    startLine: string,
    cseq: string,
    toTagKnown = true,
  ): void {
    if (!sipLogEnabled) return;
    const own =
      direction === 'sent'
        ? [
            `Contact: <sip:${identity.user}@${ownContact()};line=${lineToken}>`,
            `User-Agent: ${sipUserAgent}`,
          ]
        : [];
    log.sip(direction, PBX, [
      startLine,
      ...sipHeaders(call, cseq, !toTagKnown),
      ...own,
      'Content-Length: 0',
    ]);
  }

  function logLine(message: string): void {
    if (sipLogEnabled) log.line('PHN', message);
  }

  // ---------------------------------------------------------------- call flows

  function snapshot(call: CallRecord): SimulatedCall {
    return {
      id: call.id,
      direction: call.direction,
      state: call.state,
      remote: call.remote,
      display: call.display,
      dtmf: call.dtmf,
      startedAt: call.startedAt,
      connectedAt: call.connectedAt,
    };
  }

  function changed(call: CallRecord, change: SimulatedCallState | 'ended'): void {
    if (change !== 'ended') call.state = change;
    if (callListeners.size === 0) return;
    const view = snapshot(call);
    for (const listener of callListeners) listener(view, change);
  }

  function findCall(
    callId: string | undefined,
    states: readonly SimulatedCallState[],
  ): CallRecord | undefined {
    if (callId !== undefined) {
      const call = calls.get(callId);
      return call !== undefined && states.includes(call.state) ? call : undefined;
    }
    for (const state of states) {
      for (const call of calls.values()) if (call.state === state) return call;
    }
    return undefined;
  }

  function goOffhook(call: CallRecord | undefined): void {
    if (hookOff) return;
    hookOff = true;
    void fire('offhook', call);
  }

  function maybeOnhook(call: CallRecord | undefined): void {
    if (!hookOff) return;
    for (const other of calls.values()) if (other.state !== 'ringing') return;
    hookOff = false;
    keypad = '';
    transferMode = false;
    void fire('onhook', call);
  }

  function holdOthers(except: CallRecord): void {
    for (const other of calls.values()) {
      if (other !== except && other.state === 'connected') {
        changed(other, 'held');
        logLine(`Hold line 1 (${other.id})`);
        void fire('hold', other);
      }
    }
  }

  function endCall(call: CallRecord): void {
    if (call.timer !== undefined) clearTimeout(call.timer);
    calls.delete(call.id);
    changed(call, 'ended');
  }

  /** A new call starting now, with fresh tags, CSeq and branch. */
  function newCallRecord(
    fields: Pick<CallRecord, 'id' | 'direction' | 'state' | 'remote' | 'display'>,
  ): CallRecord {
    return {
      ...fields,
      dtmf: '',
      startedAt: now(),
      connectedAt: null,
      localTag: hex(4),
      remoteTag: hex(4),
      cseq: 1 + (randomBytes(2).readUInt16BE() % 30000),
      localCseq: 1,
      branch: hex(6),
      timer: undefined,
    };
  }

  /** Fires the presence Action URLs for what changed in the settings since the last look. */
  function syncPresence(): Promise<void> {
    const nextDnd = dndFromSettings(settings, presenceNames);
    const nextForwarding = forwardingFromSettings(settings, presenceNames);
    if (nextDnd !== dndOn) {
      dndOn = nextDnd;
      logLine(`DND ${nextDnd ? 'on' : 'off'}`);
      void fire(nextDnd ? 'dnd-on' : 'dnd-off', undefined);
    }
    if ((nextForwarding === null) !== (forwarding === null)) {
      logLine(`Redirection ${nextForwarding === null ? 'off' : 'on'}`);
      void fire(nextForwarding === null ? 'redirection-off' : 'redirection-on', undefined);
    }
    forwarding = nextForwarding;
    return queue;
  }

  /** Why an incoming call would not ring now, or null when it rings. */
  function refusal(): { reason: 'dnd' | 'forwarded'; target: string | null } | null {
    if (dndOn) return { reason: 'dnd', target: null };
    if (forwarding === null || forwarding.target === '') return null;
    if (forwarding.mode === 'always' || (forwarding.mode === 'busy' && calls.size > 0)) {
      return { reason: 'forwarded', target: forwarding.target };
    }
    return null; // `timeout` rings here first; the simulator does not forward after the time.
  }

  function doRing(from: string, opts: { display?: string; callId?: string }): CallRecord {
    const call = newCallRecord({
      // A PBX-made Call-ID: `7027a58643aeb25149e4861076f1b0a9@10.0.0.1` (tine20).
      id: opts.callId ?? `${hex(16)}@${PBX.split(':')[0] ?? '127.0.0.1'}`,
      direction: 'incoming',
      state: 'ringing',
      remote: toSipUri(from, identity.host),
      display: opts.display ?? '',
    });
    const refuse = refusal();
    if (refuse !== null) {
      logSip('received', call, toOwnUri('INVITE'), `${String(call.cseq)} INVITE`, false);
      logSip(
        'sent',
        call,
        refuse.reason === 'dnd' ? 'SIP/2.0 486 Busy Here' : 'SIP/2.0 302 Moved Temporarily',
        `${String(call.cseq)} INVITE`,
      );
      pushBounded(refused, { callId: call.id, remote: call.remote, ...refuse, at: now() });
      return call;
    }
    calls.set(call.id, call);
    changed(call, 'ringing');
    logSip('received', call, toOwnUri('INVITE'), `${String(call.cseq)} INVITE`, false);
    logSip('sent', call, 'SIP/2.0 180 Ringing', `${String(call.cseq)} INVITE`);
    logLine('Ringing line 1');
    void fire('incoming', call);
    return call;
  }

  function doAnswer(call: CallRecord): Promise<void> {
    holdOthers(call);
    goOffhook(call);
    call.connectedAt = now();
    changed(call, 'connected');
    logSip('sent', call, 'SIP/2.0 200 OK', `${String(call.cseq)} INVITE`);
    logSip('received', call, toOwnUri('ACK'), `${String(call.cseq)} ACK`);
    return fire('connected', call);
  }

  function doReject(call: CallRecord): Promise<void> {
    endCall(call);
    logSip('sent', call, 'SIP/2.0 486 Busy Here', `${String(call.cseq)} INVITE`);
    logSip('received', call, toOwnUri('ACK'), `${String(call.cseq)} ACK`);
    // snom-protocol.md S6: rejecting a ringing call with CANCEL fires no Action URL.
    return queue;
  }

  function doMissed(call: CallRecord): Promise<void> {
    endCall(call);
    logSip('received', call, toOwnUri('CANCEL'), `${String(call.cseq)} CANCEL`, false);
    logSip('sent', call, 'SIP/2.0 200 OK', `${String(call.cseq)} CANCEL`);
    logSip('sent', call, 'SIP/2.0 487 Request Terminated', `${String(call.cseq)} INVITE`);
    return fire('missed', call);
  }

  function doLocalBye(call: CallRecord): Promise<void> {
    endCall(call);
    call.localCseq += 1;
    const byeCseq = call.direction === 'incoming' ? call.localCseq : call.cseq + 1;
    logSip('sent', call, `BYE ${call.remote} SIP/2.0`, `${String(byeCseq)} BYE`);
    logSip('received', call, 'SIP/2.0 200 OK', `${String(byeCseq)} BYE`);
    void fire('disconnected', call);
    maybeOnhook(call);
    return queue;
  }

  function doRemoteBye(call: CallRecord): Promise<void> {
    endCall(call);
    const byeCseq = call.direction === 'incoming' ? call.cseq + 1 : 1;
    logSip('received', call, `BYE ${identityUri} SIP/2.0`, `${String(byeCseq)} BYE`);
    logSip('sent', call, 'SIP/2.0 200 OK', `${String(byeCseq)} BYE`);
    void fire('disconnected', call);
    maybeOnhook(call);
    return queue;
  }

  function doCancelDial(call: CallRecord): Promise<void> {
    endCall(call);
    logSip('sent', call, `CANCEL ${call.remote} SIP/2.0`, `${String(call.cseq)} CANCEL`, false);
    logSip('received', call, 'SIP/2.0 200 OK', `${String(call.cseq)} CANCEL`);
    logSip('received', call, 'SIP/2.0 487 Request Terminated', `${String(call.cseq)} INVITE`);
    maybeOnhook(call);
    return queue;
  }

  /**
   * The callee rejects or is busy: the caller's phone fires `disconnected`, then `onhook`
   * (p4irin/remote_phone_control against snom 3xx on 8.7; snom-evidence.md §1).
   */
  function doFarEndBusy(call: CallRecord): Promise<void> {
    endCall(call);
    logSip('received', call, 'SIP/2.0 486 Busy Here', `${String(call.cseq)} INVITE`);
    logSip('sent', call, `ACK ${call.remote} SIP/2.0`, `${String(call.cseq)} ACK`);
    void fire('disconnected', call);
    maybeOnhook(call);
    return queue;
  }

  function doRemoteAnswer(call: CallRecord): Promise<void> {
    if (call.timer !== undefined) clearTimeout(call.timer);
    call.timer = undefined;
    call.connectedAt = now();
    changed(call, 'connected');
    logSip('received', call, 'SIP/2.0 200 OK', `${String(call.cseq)} INVITE`);
    logSip('sent', call, `ACK ${call.remote} SIP/2.0`, `${String(call.cseq)} ACK`);
    return fire('connected', call);
  }

  function doDial(number: string, opts: DialOptions): CallRecord {
    const call = newCallRecord({
      id: opts.callId ?? snomCallId(),
      direction: 'outgoing',
      state: 'dialing',
      remote: toSipUri(number, identity.host),
      display: '',
    });
    holdOthers(call);
    calls.set(call.id, call);
    changed(call, 'dialing');
    goOffhook(call);
    keypad = '';
    logSip('sent', call, `INVITE ${call.remote} SIP/2.0`, `${String(call.cseq)} INVITE`, false);
    logSip('received', call, 'SIP/2.0 100 Trying', `${String(call.cseq)} INVITE`, false);
    logSip('received', call, 'SIP/2.0 180 Ringing', `${String(call.cseq)} INVITE`);
    void fire('outgoing', call);
    if (opts.autoAnswer !== false) {
      call.timer = setTimeout(() => {
        call.timer = undefined;
        if (calls.get(call.id) === call && call.state === 'dialing') void doRemoteAnswer(call);
      }, opts.answerDelayMs ?? answerDelayMs);
      call.timer.unref();
    }
    return call;
  }

  function doHold(call: CallRecord): Promise<void> {
    changed(call, 'held');
    logLine(`Hold line 1 (${call.id})`);
    return fire('hold', call);
  }

  function doUnhold(call: CallRecord): Promise<void> {
    holdOthers(call);
    changed(call, 'connected');
    logLine(`Unhold line 1 (${call.id})`);
    return fire('unhold', call);
  }

  function doBlindTransfer(call: CallRecord, number: string): Promise<void> {
    transferMode = false;
    logLine(`Blind transfer to ${number} (${call.id})`);
    void fire('blind-transfer', call);
    return doLocalBye(call);
  }

  /** User ends the "current" call: what CANCEL/ONHOOK do. */
  function doUserHangUp(call: CallRecord): Promise<void> {
    switch (call.state) {
      case 'ringing':
        return doReject(call);
      case 'dialing':
        return doCancelDial(call);
      default:
        return doLocalBye(call);
    }
  }

  function doReleaseAll(): Promise<void> {
    for (const call of [...calls.values()]) void doUserHangUp(call);
    maybeOnhook(undefined);
    return queue;
  }

  function stateError(step: string, message: string): CallStateError {
    return new CallStateError(step, message, phoneId());
  }

  function pressKey(raw: string): void {
    const key = (raw.split(',')[0] ?? '').trim().toUpperCase();
    const active = findCall(undefined, ['connected']);
    const ringing = findCall(undefined, ['ringing']);
    switch (key) {
      case 'ENTER':
        if (transferMode && active !== undefined && keypad !== '') {
          const number = keypad;
          keypad = '';
          void doBlindTransfer(active, number);
        } else if (ringing !== undefined) void doAnswer(ringing);
        else if (keypad !== '') void doDial(keypad, {});
        return;
      case 'OFFHOOK':
        if (ringing !== undefined) void doAnswer(ringing);
        else goOffhook(undefined);
        return;
      case 'CANCEL':
      case 'DISCONNECT': {
        if (transferMode) {
          transferMode = false;
          keypad = '';
          return;
        }
        const target = active ?? findCall(undefined, ['dialing', 'ringing']);
        if (target !== undefined) void doUserHangUp(target);
        else if (keypad !== '') keypad = '';
        else maybeOnhook(undefined);
        return;
      }
      case 'ONHOOK': {
        const target = active ?? findCall(undefined, ['dialing', 'held']);
        if (target !== undefined) void doUserHangUp(target);
        else maybeOnhook(undefined);
        return;
      }
      case 'F_HOLD':
      case 'F_R':
      case 'RECALL': {
        if (active !== undefined) void doHold(active);
        else {
          const held = findCall(undefined, ['held']);
          if (held !== undefined) void doUnhold(held);
        }
        return;
      }
      case 'DND':
        // The DND key toggles it, as on the phone.
        settings.set(presenceNames.dnd, dndOn ? 'off' : 'on');
        void syncPresence();
        return;
      case 'TRANSFER':
        if (active !== undefined) {
          transferMode = true;
          keypad = '';
        }
        return;
      default:
        if (/^[0-9*#]$/.test(key)) {
          if (active !== undefined && !transferMode) active.dtmf += key;
          else keypad += key;
        }
    }
  }

  // ---------------------------------------------------------------- HTTP surface

  function send(
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
      Server: 'snom embedded',
      ...headers,
    });
    res.end(body);
  }

  /** Firmware 10.x: a wrong password gets 200 and "Login failed!" (symcon/Snom; Medium). */
  function sendLoginFailed(res: http.ServerResponse): void {
    send(
      res,
      200,
      `<html><head><title>${pageTitle(model)}</title></head><body><p class="error">Login failed!</p><form method="post" action="/"><input name="user"><input type="password" name="pass"></form></body></html>\n`,
    );
  }

  function checkAuth(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (auth === 'none') return true;
    const header = req.headers.authorization;
    if (auth === 'basic') {
      const expected = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
      if (header === expected) return true;
      if (header !== undefined && profile.loginFailedWith200) {
        sendLoginFailed(res);
        return false;
      }
      send(res, 401, '<html><body>401 Unauthorized</body></html>\n', {
        'WWW-Authenticate': `Basic realm="${realm}"`,
      });
      return false;
    }
    const result = digest?.check(req.method ?? 'GET', req.url ?? '/', header);
    if (result === undefined || result.ok) return true;
    if (result.reason === 'bad-credentials' && profile.loginFailedWith200) {
      sendLoginFailed(res);
      return false;
    }
    send(res, 401, '<html><body>401 Unauthorized</body></html>\n', {
      'WWW-Authenticate': result.challenge,
    });
    return false;
  }

  function queryPairs(query: string): [string, string | undefined][] {
    if (query === '') return [];
    return query.split('&').map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [part, undefined] : [part.slice(0, eq), part.slice(eq + 1)];
    });
  }

  /** Writes the `name=value` pairs of a `settings=save` request (dummy.htm, settings.htm). */
  function saveSettings(pairs: readonly [string, string | undefined][]): void {
    const store = pairs.some(([k, v]) => k === 'store_settings' && v === 'save');
    for (const [k, v] of pairs) {
      if (k === 'settings' || k === 'store_settings' || v === undefined) continue;
      const name = decodeValue(k, plusAsSpace);
      settings.set(name, decodeValue(v, plusAsSpace));
      if (store) storedSettings.add(name);
    }
  }

  function route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: string,
  ): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, '<html><body>405 Method Not Allowed</body></html>\n');
      return;
    }
    const page = path.toLowerCase();
    if (page === '/info.htm') {
      send(
        res,
        200,
        renderInfoPage({
          model,
          mac,
          firmware: `${model}-SIP ${firmware}`,
          ip: address?.host ?? '',
          phoneManager,
        }),
      );
      return;
    }
    if (page === '/' || page === '/index.htm') {
      send(res, 200, renderIndexPage(pageTitle(model), identityUri));
      return;
    }
    if (phoneManager) {
      // D8xx: no HTTP commands any more (snom-protocol.md §2.1, S15).
      send(res, 404, '<html><body>404 Not Found</body></html>\n');
      return;
    }
    const pairs = queryPairs(query);
    if (page === logPagePath) {
      if (pairs.some(([k]) => k === 'clear_log' || k === 'clear')) log.clear();
      send(res, 200, renderLogPage(log.read()));
      return;
    }
    switch (page) {
      case '/dummy.htm': {
        if (pairs.some(([k, v]) => k === 'settings' && v === 'save')) {
          saveSettings(pairs);
          void syncPresence();
        }
        send(res, 200, '<html><body>OK</body></html>\n');
        return;
      }
      case '/settings.htm':
        // `settings.htm?settings=save&name=value` writes like dummy.htm (Snomio debug docs; High).
        if (pairs.some(([k, v]) => k === 'settings' && v === 'save')) {
          saveSettings(pairs);
          void syncPresence();
        }
        send(res, 200, renderSettingsPage(settings));
        return;
      case '/command.htm': {
        let redirect = false;
        let number: string | undefined;
        let outgoingUri: string | undefined;
        for (const [k, v] of pairs) {
          const value = v === undefined ? undefined : decodeValue(v, false);
          if (k === 'number' && value !== undefined) number = value;
          else if (k === 'outgoing_uri' && value !== undefined) outgoingUri = value;
          else if (k === 'key' && value !== undefined)
            for (const key of value.split(';')) pressKey(key);
          else if (k === 'key_dtmf' && value !== undefined) {
            const active = findCall(undefined, ['connected']);
            if (active !== undefined) active.dtmf += value;
          } else if (k === 'RELEASE_ALL_CALLS') void doReleaseAll();
        }
        if (number !== undefined && number !== '') {
          doDial(number, outgoingUri === undefined ? {} : { identity: outgoingUri });
          redirect = true;
        }
        if (redirect) send(res, 302, '', { Location: '/index.htm' });
        else send(res, 200, '<html><body>OK</body></html>\n');
        return;
      }
      default:
        send(res, 404, '<html><body>404 Not Found</body></html>\n');
    }
  }

  function handler(secure: boolean) {
    return (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
      const query = q === -1 ? '' : rawUrl.slice(q + 1);
      res.on('finish', () => {
        const record: RecordedRequest = {
          method: req.method ?? 'GET',
          path,
          query,
          url: rawUrl,
          headers: { ...req.headers },
          secure,
          status: res.statusCode,
          remoteAddress: req.socket.remoteAddress,
          at: now(),
        };
        pushBounded(requests, record);
        for (const listener of requestListeners) listener(record);
      });
      inFlight += 1;
      res.on('close', () => {
        inFlight -= 1;
      });
      if (fault.chokeOnConcurrent === true && inFlight > 1) {
        // The embedded server copes badly with concurrency: incomplete headers, then the
        // connection closes (rostgaard/Phonio; snom-evidence.md §3).
        req.socket.end('HTTP/1.1 200 OK\r\nServer: snom embedded\r\nContent-Ty');
        return;
      }
      const respond = (): void => {
        if (res.destroyed) return;
        if (!secure && (fault.requireHttps === true || options.https === true)) {
          const host =
            req.headers.host ?? `${address?.host ?? '127.0.0.1'}:${String(address?.port ?? 443)}`;
          send(res, 307, '', { Location: `https://${host}${rawUrl}` });
          return;
        }
        if (fault.garbage === true) {
          send(res, 200, GARBAGE_PAGE);
          return;
        }
        if (fault.status500 === true) {
          send(res, 500, '<html><body>500 Internal Server Error</body></html>\n');
          return;
        }
        if (!checkAuth(req, res)) return;
        route(req, res, path, query);
      };
      const delay = fault.delayMs ?? 0;
      if (delay > 0) setTimeout(respond, delay).unref();
      else respond();
    };
  }

  const httpServer = http.createServer(handler(false));
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (fault.offline === true) {
      socket.destroy();
      return;
    }
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === 0x16) {
        if (httpsServer === undefined) {
          socket.destroy();
          return;
        }
        httpsServer.emit('connection', socket);
      } else {
        httpServer.emit('connection', socket);
      }
      process.nextTick(() => socket.resume());
    });
  });

  async function ensureTls(): Promise<void> {
    if (httpsServer !== undefined) return;
    const material = await selfSignedCertificate();
    httpsServer ??= https.createServer({ key: material.key, cert: material.cert }, handler(true));
  }

  function listenFront(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        front.off('listening', onListening);
        const code = err.code;
        const hint =
          code === 'EADDRINUSE'
            ? 'choose another port or address'
            : code === 'EADDRNOTAVAIL'
              ? 'use an address in 127.0.0.0/8'
              : 'check the address and port';
        reject(
          new SimulatorListenError(
            `simulated phone cannot listen on ${host}:${String(port)} (${code ?? err.message}); ${hint}`,
            { host, port, ...(code === undefined ? {} : { code }), cause: err, phoneId: phoneId() },
          ),
        );
      };
      const onListening = (): void => {
        front.off('error', onError);
        const info = front.address() as net.AddressInfo;
        resolve({ host: info.address, port: info.port });
      };
      front.once('error', onError);
      front.once('listening', onListening);
      front.listen({ host, port });
    });
  }

  function closeFront(): Promise<void> {
    return new Promise((resolve) => {
      if (!front.listening) {
        resolve();
        return;
      }
      front.close(() => {
        resolve();
      });
      for (const socket of sockets) socket.destroy();
    });
  }

  const phone: SimulatedPhone = {
    model,
    capabilities,
    identityUri,
    firmwareProfile,
    get url() {
      if (address === null) return null;
      const scheme = options.https === true ? 'https' : 'http';
      return `${scheme}://${address.host}:${String(address.port)}`;
    },
    get address() {
      return address === null ? null : { ...address };
    },
    settings,
    storedSettings,
    requests,
    firedActionUrls: fired,
    get calls() {
      return [...calls.values()].map(snapshot);
    },
    get logText() {
      return log.read();
    },
    get activeRequests() {
      return inFlight;
    },
    get fault() {
      return { ...fault };
    },

    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1';
      if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
        throw new SimulatorError(
          `simulated phones listen only on 127.0.0.0/8, not ${host}; pass a host such as 127.0.0.2`,
          { phoneId: phoneId() },
        );
      }
      if (closed)
        throw new SimulatorError('this simulated phone was closed; create a new one', {
          phoneId: phoneId(),
        });
      if (options.https === true) await ensureTls();
      address = await listenFront(host, listenOptions.port ?? 0);
      const scheme = options.https === true ? 'https' : 'http';
      void fire('setup', undefined);
      return { ...address, url: `${scheme}://${address.host}:${String(address.port)}` };
    },

    async close() {
      closed = true;
      for (const call of calls.values()) if (call.timer !== undefined) clearTimeout(call.timer);
      calls.clear();
      await closeFront();
      await queue;
    },

    setSettings(values) {
      for (const [k, v] of Object.entries(values)) settings.set(k, v);
      void syncPresence();
    },
    get dnd() {
      return dndOn;
    },
    get forwarding() {
      return forwarding;
    },
    refusedCalls: refused,
    async setDnd(on) {
      for (const [k, v] of Object.entries(dndSettings(on, presenceNames))) settings.set(k, v);
      await syncPresence();
    },
    async setForwarding(next) {
      const values = forwardingSettings(next, presenceNames);
      for (const [k, v] of Object.entries(values)) settings.set(k, v);
      await syncPresence();
    },

    async ring(from, opts = {}) {
      const call = doRing(from, opts);
      await queue;
      return call.id;
    },
    async answer(callId) {
      const call = findCall(callId, ['ringing']);
      if (call === undefined)
        throw stateError('answer', 'no ringing call to answer; call ring() first');
      await doAnswer(call);
    },
    async hangUp(callId) {
      const call = findCall(callId, ['connected', 'dialing', 'held', 'ringing']);
      if (call === undefined) throw stateError('hangUp', 'no call to hang up');
      await doUserHangUp(call);
    },
    async remoteHangUp(callId) {
      const call = findCall(callId, ['connected', 'held', 'dialing', 'ringing']);
      if (call === undefined) throw stateError('remoteHangUp', 'no call for the far end to end');
      if (call.state === 'ringing') await doMissed(call);
      else if (call.state === 'dialing') await doFarEndBusy(call);
      else await doRemoteBye(call);
    },
    async remoteAnswer(callId) {
      const call = findCall(callId, ['dialing']);
      if (call === undefined)
        throw stateError('remoteAnswer', 'no dialled call waiting to be answered');
      await doRemoteAnswer(call);
    },
    async reject(callId) {
      const call = findCall(callId, ['ringing']);
      if (call === undefined) throw stateError('reject', 'no ringing call to reject');
      await doReject(call);
    },
    async hold(callId) {
      const call = findCall(callId, ['connected']);
      if (call === undefined) throw stateError('hold', 'no connected call to hold');
      await doHold(call);
    },
    async unhold(callId) {
      const call = findCall(callId, ['held']);
      if (call === undefined) throw stateError('unhold', 'no held call to resume');
      await doUnhold(call);
    },
    async dial(number, opts = {}) {
      const call = doDial(number, opts);
      await queue;
      return call.id;
    },
    async blindTransfer(number) {
      const call = findCall(undefined, ['connected']);
      if (call === undefined) throw stateError('blindTransfer', 'no connected call to transfer');
      await doBlindTransfer(call, number);
    },
    async releaseAllCalls() {
      await doReleaseAll();
    },
    async pressKeys(keys) {
      for (const key of keys) pressKey(key);
      await queue;
    },

    async setFault(next) {
      const wasOffline = fault.offline === true;
      fault = { ...next };
      if (fault.requireHttps === true) await ensureTls();
      if (fault.offline === true && !wasOffline) await closeFront();
      if (fault.offline !== true && wasOffline && address !== null && !closed) {
        address = await listenFront(address.host, address.port);
      }
    },
    expireNonces() {
      digest?.expireNonces();
    },
    idle() {
      return queue;
    },

    waitForActionUrl(kind, waitOptions = {}) {
      const cursor = waitCursor.get(kind) ?? 0;
      const found = fired.find((f) => f.kind === kind && f.seq > cursor);
      if (found !== undefined) {
        waitCursor.set(kind, found.seq);
        return Promise.resolve(found);
      }
      const timeoutMs = waitOptions.timeoutMs ?? 10_000;
      return new Promise((resolve, reject) => {
        const waiter = {
          kind,
          resolve: (f: FiredActionUrl): void => {
            clearTimeout(timer);
            resolve(f);
          },
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i !== -1) waiters.splice(i, 1);
          reject(new ActionUrlTimeoutError(kind, timeoutMs, phoneId()));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },

    on(
      event: 'request' | 'action-url' | 'call',
      listener:
        | ((r: RecordedRequest) => void)
        | ((f: FiredActionUrl) => void)
        | ((c: SimulatedCall, change: SimulatedCallState | 'ended') => void),
    ): () => void {
      if (event === 'call') {
        const fn = listener as (c: SimulatedCall, change: SimulatedCallState | 'ended') => void;
        callListeners.add(fn);
        return () => callListeners.delete(fn);
      }
      if (event === 'request') {
        const fn = listener as (r: RecordedRequest) => void;
        requestListeners.add(fn);
        return () => requestListeners.delete(fn);
      }
      const fn = listener as (f: FiredActionUrl) => void;
      actionListeners.add(fn);
      return () => actionListeners.delete(fn);
    },
  };
  return phone;
}
