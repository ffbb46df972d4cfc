import { isHttpControlUnsupported } from '@snomlink/core';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { createAuthFetch, type AuthMode, type PhoneAnswer } from './auth-fetch.js';
import { OneShotDispatcher } from './one-shot-dispatcher.js';
import { parseWwwAuthenticate, pickDigestChallenge } from './digest-auth.js';
import {
  SnomAuthDowngradeError,
  SnomAuthError,
  SnomClientError,
  SnomConnectionError,
  SnomHttpError,
  SnomProtocolError,
  SnomRedirectError,
  SnomResponseTooLargeError,
  SnomTimeoutError,
  SnomUnsupportedModelError,
  type SnomAuthScheme,
  type SnomConnectionErrorCode,
} from './errors.js';
import { htmlTitle } from './html-text.js';
import { parseInfoPage, type PhoneInfo } from './info-page.js';
import { isLoginFailedPage } from './login-page.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readBodyCapped } from './read-body.js';
import { createSerialQueue } from './serial-queue.js';
import { keyNamesForModel, sendsOneKeyPerRequest, type KeyNames } from './key-names.js';
import { redact } from './redact.js';
import { looksLikeSnomPage, responseExcerpt } from './response-check.js';
import {
  DIAL_NUMBER_PATTERN,
  DTMF_PATTERN,
  KEY_PATTERN,
  SETTING_NAME_PATTERN,
  dialPath,
  dtmfPath,
  keysPath,
  phonePagePath,
  settingsPaths,
} from './request-urls.js';
import { parseSettingsPage } from './settings-page.js';

/** A redirect the client followed (the phone now wants https). */
export interface SnomRedirectEvent {
  /** Origin before, e.g. `http://10.0.0.5`. */
  from: string;
  /** Origin after, e.g. `https://10.0.0.5`. */
  to: string;
  status: number;
}

/** Options of {@link createSnomClient}. */
export interface SnomClientOptions {
  /** The phone's `address[:port]`. */
  host: string;
  /** Default `http`. A 307 to https switches the client to https (see `onRedirect`). */
  scheme?: 'http' | 'https';
  username?: string;
  password?: string;
  /** Default `auto`: answer whichever scheme the phone's 401 asks for. */
  auth?: AuthMode;
  /** Per request, default 5000 ms. */
  timeoutMs?: number;
  /** Retries for idempotent reads (readSettings, info, readLog), default 1. Commands never retry. */
  retries?: number;
  /** Default true; false accepts self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** Model name (`snom360`, `snom190`, `D785`): picks key names and one-key-per-request. */
  model?: string;
  /** Log page path, default `/log.htm` (Unverified on real phones). */
  logPath?: string;
  /** Path that clears the log, default `/log.htm?clear_log=1` (Unverified on real phones). */
  clearLogPath?: string;
  /** Default false: every request carries `Connection: close` (some firmware stalls on keep-alive). */
  keepAlive?: boolean;
  /** Override key names chosen from `model` (e.g. `{ hold: 'F_R', unhold: 'F_R' }` for firmware < 8). */
  keys?: Partial<KeyNames>;
  /** Send each key of a sequence in its own request. Default: true for snom 1xx/2xx, else false. */
  oneKeyPerRequest?: boolean;
  /** Longest URL the client sends (settings writes are split to fit), default 2000 bytes. */
  maxUrlLength?: number;
  /** Follow a 307/308 to https on the same host once (default true); false throws SnomRedirectError. */
  followHttpsRedirect?: boolean;
  /** Called when the client followed a redirect to https; later requests go to https directly. */
  onRedirect?: (event: SnomRedirectEvent) => void;
  /** Custom DNS lookup for the phone's host name (same shape as `dns.lookup`). */
  lookup?: LookupFunction;
  /**
   * A shared undici dispatcher (see {@link createSnomDispatcher}) for a fleet of clients: one
   * connection pool for all phones instead of one Agent per client. The client neither makes
   * nor closes its own then; `rejectUnauthorized`, `keepAlive` (its pipelining) and `lookup`
   * are the dispatcher's. Without it, the client makes its own Agent at its first request.
   */
  dispatcher?: Dispatcher;
  /**
   * Default true: `info()` throws SnomProtocolError for a 200 page without model, MAC or
   * firmware, and `dial()` accepts a 200 only when the page looks like a snom page (302 is
   * always success). False accepts any 2xx (escape hatch for unusual firmware; the exact
   * answers of every firmware are Unverified).
   */
  strictResponses?: boolean;
  /**
   * Longest answer body the client reads, default 1 MiB. Reading stops at the limit (the
   * connection is closed) and the call throws SnomResponseTooLargeError.
   */
  maxResponseBytes?: number;
}

/** Options of {@link SnomClient.writeSettings}. */
export interface WriteSettingsOptions {
  /** Add `store_settings=save` so the phone writes the values to flash (survive a reboot). */
  store?: boolean;
}

/**
 * Options of {@link SnomClient.readLog}: which page and how much of it. The shape of
 * `@snomlink/log-scanner`'s `LogReadRequest`, so the scanner's page fallback reaches the phone.
 */
export interface ReadLogRequest {
  /** A path on the phone (`/sip_trace.htm`); no scheme, host or `..`. Default `logPath`. */
  readonly path?: string;
  /** Keep only the newest this many bytes of the page (a log grows at its end). */
  readonly maxBytes?: number;
}

/** Options of {@link SnomClient.clearLog}. */
export interface ClearLogRequest {
  /** A path on the phone (`/sip_trace.htm?clear=1`); no scheme, host or `..`. Default `clearLogPath`. */
  readonly path?: string;
}

/** Drives one snom phone over its HTTP interface. Every method throws only `SnomClientError`s. */
export interface SnomClient {
  /**
   * `command.htm?number=…[&outgoing_uri=…]`; 302 = success, a 2xx only when it looks like a snom
   * page (else SnomProtocolError; `strictResponses: false` accepts any 2xx).
   */
  dial(number: string, options?: { identity?: string }): Promise<void>;
  /** `command.htm?key=CANCEL`. */
  hangUp(): Promise<void>;
  /** `command.htm?key=ENTER`. */
  answer(): Promise<void>;
  /** `command.htm?key=F_HOLD` (RECALL on snom 1xx/2xx). */
  hold(): Promise<void>;
  /** Same key as hold (it toggles). */
  unhold(): Promise<void>;
  /** `command.htm?key=TRANSFER;<digits>;ENTER`. */
  blindTransfer(number: string): Promise<void>;
  /** `command.htm?key_dtmf=…`. */
  sendDtmf(digits: string): Promise<void>;
  /** `command.htm?key=K1;K2…` (or one request per key on old models). */
  pressKeys(keys: readonly string[]): Promise<void>;
  /** `command.htm?RELEASE_ALL_CALLS`. */
  releaseAllCalls(): Promise<void>;
  /** `dummy.htm?settings=save&k=v…[&store_settings=save]`, split to fit `maxUrlLength`. */
  writeSettings(
    settings: Readonly<Record<string, string>>,
    options?: WriteSettingsOptions,
  ): Promise<void>;
  /** GET `settings.htm`, parsed into name → value. */
  readSettings(): Promise<Record<string, string>>;
  /**
   * GET `info.htm`: model, MAC, firmware; a D8xx "Phone Manager" page throws
   * SnomUnsupportedModelError, a page with none of the three throws SnomProtocolError (unless
   * `strictResponses: false`).
   */
  info(): Promise<PhoneInfo>;
  /**
   * GET the log page (`logPath`, or `request.path` for another page on the phone), the raw page
   * text. With `request.maxBytes` only the newest that many bytes are kept (from a line break);
   * the download still stops at `maxResponseBytes`.
   */
  readLog(request?: ReadLogRequest): Promise<string>;
  /** GET `clearLogPath` (or `request.path`, the clear action of the page that was read). */
  clearLog(request?: ClearLogRequest): Promise<void>;
  /** The phone's web UI address, never with credentials. */
  webConfigUrl(): string;
  /** The scheme in use now (`https` after a followed 307). */
  readonly scheme: 'http' | 'https';
  /** Closes pooled connections (only matter with `keepAlive: true`). */
  close(): Promise<void>;
}

type RequestKind = 'read' | 'command';

/** Options of one phone request inside the client. */
interface RequestOptions {
  /** Shown instead of the path in errors (settings writes hide their values). */
  displayPath?: string;
  /** The caller reads a D8xx "Phone Manager" page itself (info(), the model probe). */
  allowPhoneManager?: boolean;
  /** Keep only the newest this many bytes of the body (readLog's `maxBytes`). */
  keepLastBytes?: number;
}

const PHONE_MANAGER_TITLE = /phone\s*manager/i;

interface PhoneResponse {
  status: number;
  text: string;
}

const CONNECTION_CODES: Readonly<Record<string, SnomConnectionErrorCode>> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  EPROTO: 'tls',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls',
};

const CONNECTION_ADVICE: Readonly<Record<SnomConnectionErrorCode, string>> = {
  refused: 'connection refused; check that the phone is on and the address and port are right',
  dns: 'the host name could not be resolved; check the phone address',
  reset: 'the phone closed the connection; retry, and check that the phone is not rebooting',
  tls: 'the TLS handshake failed; for a self-signed phone certificate set rejectUnauthorized: false',
  other: 'the request failed before an answer arrived; check the network path to the phone',
};

/** Statuses a read is retried after (the phone's web server restarting or overloaded). */
const RETRIED_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** The abort reason of a timed-out attempt (mapped to `SnomTimeoutError` by its name). */
function timeoutReason(): Error {
  const error = new Error('the phone did not answer in time');
  error.name = 'TimeoutError';
  return error;
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The time budget of one request: aborts the attempt in progress when it runs out. */
interface Deadline {
  /** A controller for the next attempt (already aborted once the budget is spent). */
  attempt(): AbortController;
  readonly expired: boolean;
  /** Stops the timer (the request has ended). */
  clear(): void;
}

function createDeadline(ms: number): Deadline {
  let current: AbortController | undefined;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    current?.abort(timeoutReason());
  }, ms);
  return {
    attempt() {
      current = new AbortController();
      if (expired) current.abort(timeoutReason());
      return current;
    },
    get expired() {
      return expired;
    },
    clear() {
      clearTimeout(timer);
    },
  };
}

function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isAbortTimeout(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'TimeoutError' ||
      (error as { name?: unknown }).name === 'AbortError')
  );
}

function authSchemeOf(header: string): SnomAuthScheme {
  const challenges = parseWwwAuthenticate(header);
  if (challenges.some((c) => c.scheme === 'digest')) return 'digest';
  if (challenges.some((c) => c.scheme === 'basic')) return 'basic';
  return 'unknown';
}

/** Options of {@link createSnomDispatcher}: the connection settings every client on it shares. */
export interface SnomDispatcherOptions {
  /** Default true; false accepts self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** Default false: no pipelining, and clients send `Connection: close` (set the same on them). */
  keepAlive?: boolean;
  /** Custom DNS lookup (same shape as `dns.lookup`). */
  lookup?: LookupFunction;
}

/**
 * Creates the undici Agent a snom client sends through. Pass one to many clients
 * (`SnomClientOptions.dispatcher`) to share it: a daemon with thousands of phones then keeps
 * one pool instead of one per phone. Close it (`await dispatcher.close()`) after its clients.
 */
export function createSnomDispatcher(options: SnomDispatcherOptions = {}): Dispatcher {
  const connect = {
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  };
  // Without keep-alive every request has its own connection anyway: keep no pool per phone.
  return options.keepAlive === true ? new Agent({ connect }) : new OneShotDispatcher(connect);
}

/**
 * Creates a client for one snom phone. Nothing is sent until a method is called; each method
 * makes the phone request its JSDoc names and throws only typed `SnomClientError`s.
 */
export function createSnomClient(options: SnomClientOptions): SnomClient {
  const host = options.host;
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host)) {
    throw new SnomClientError(
      `invalid phone host ${JSON.stringify(redact(host, secretsOf(options)))}; use "address[:port]" without scheme or credentials`,
      'invalid-argument',
      { phoneHost: redact(host, secretsOf(options)) },
    );
  }
  const secrets = secretsOf(options);
  const timeoutMs = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 1;
  const auth = options.auth ?? 'auto';
  const model = options.model;
  const logPath = options.logPath ?? '/log.htm';
  const clearLogPath = options.clearLogPath ?? '/log.htm?clear_log=1';
  const maxUrlLength = options.maxUrlLength ?? 2000;
  const keys: KeyNames = { ...keyNamesForModel(model), ...definedKeys(options.keys) };
  const oneKeyPerRequest = options.oneKeyPerRequest ?? sendsOneKeyPerRequest(model);
  const strictResponses = options.strictResponses ?? true;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
    throw new SnomClientError(
      `invalid maxResponseBytes ${String(maxResponseBytes)}; use a positive whole number of bytes`,
      'invalid-argument',
      { phoneHost: host },
    );
  }
  // One request (or key sequence) at a time: the embedded web server breaks under concurrency.
  const queue = createSerialQueue();
  // Set once the phone showed a D8xx "Phone Manager" page: it takes no HTTP commands.
  let phoneManagerSeen = false;
  // The client's own Agent is made at its first request (a configured phone that is never
  // asked for anything costs no pool); a shared one is used as given and never closed here.
  let ownDispatcher: Dispatcher | null = null;
  const dispatcher = (): Dispatcher =>
    options.dispatcher ??
    (ownDispatcher ??= createSnomDispatcher({
      ...(options.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: options.rejectUnauthorized }),
      ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }),
      ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    }));
  const authFetch = createAuthFetch({
    username: options.username,
    password: options.password,
    auth,
    dispatcher,
  });
  let origin = `${options.scheme ?? 'http'}://${host}`;
  let followedHttps = false;

  const context = (
    url?: string,
    cause?: unknown,
  ): ConstructorParameters<typeof SnomClientError>[2] => ({
    phoneHost: host,
    url: url === undefined ? undefined : redact(url, secrets),
    cause,
  });
  const safe = (message: string): string => redact(message, secrets);
  const invalid = (message: string): SnomClientError =>
    new SnomClientError(safe(message), 'invalid-argument', context());

  function unsupported(label: string, url?: string): SnomUnsupportedModelError {
    const shownModel = model ?? null;
    return new SnomUnsupportedModelError(
      safe(
        `phone ${host} is a snom D8xx${shownModel === null ? '' : ` (${shownModel})`} ("Phone Manager" web UI): it has no HTTP command interface (command.htm), so ${label} cannot be done over HTTP. Its Action URLs still work (call events arrive as usual); control calls on the phone itself or through the PBX`,
      ),
      shownModel,
      context(url),
    );
  }

  function assertHttpControl(label: string): void {
    if ((model !== undefined && isHttpControlUnsupported(model)) || phoneManagerSeen) {
      throw unsupported(label);
    }
  }

  function mapError(error: unknown, url: string, label: string): SnomClientError {
    if (error instanceof SnomClientError) return error;
    if (isAbortTimeout(error)) {
      return new SnomTimeoutError(
        safe(
          `phone ${host} did not answer ${label} within ${timeoutMs} ms; check that it is reachable or raise timeoutMs`,
        ),
        timeoutMs,
        context(url),
      );
    }
    const rawCode = findCode(error);
    const code: SnomConnectionErrorCode =
      rawCode === undefined
        ? 'other'
        : (CONNECTION_CODES[rawCode] ?? (/CERT|TLS|SSL/.test(rawCode) ? 'tls' : 'other'));
    return new SnomConnectionError(
      safe(
        `${label} to phone ${host} failed: ${CONNECTION_ADVICE[code]}${rawCode === undefined ? '' : ` (${rawCode})`}`,
      ),
      code,
      context(url, sanitizeCause(error, secrets)),
    );
  }

  const requestHeaders: Readonly<Record<string, string>> =
    options.keepAlive === true ? {} : { connection: 'close' };

  /**
   * Sends one GET to the phone: each attempt must bring the answer's head within `timeoutMs`;
   * reads are retried (`retries` times, 100 ms × attempt apart) after a network error, a timeout
   * or a 500/502/503/504, commands never. `deadline` bounds the whole, body included.
   */
  async function send(path: string, kind: RequestKind, deadline: Deadline): Promise<PhoneAnswer> {
    const attempts = kind === 'read' ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const controller = deadline.attempt();
      const head = setTimeout(() => {
        controller.abort(timeoutReason());
      }, timeoutMs);
      let answer: PhoneAnswer;
      try {
        answer = await authFetch(origin, path, {
          method: 'GET',
          headers: requestHeaders,
          signal: controller.signal,
        });
      } catch (error) {
        if (attempt >= attempts || deadline.expired) throw error;
        await pause(100 * attempt);
        continue;
      } finally {
        clearTimeout(head);
      }
      if (attempt < attempts && RETRIED_STATUSES.has(answer.status)) {
        answer.body.destroy();
        await pause(100 * attempt);
        continue;
      }
      return answer;
    }
  }

  async function request(
    path: string,
    kind: RequestKind,
    label: string,
    requestOptions: RequestOptions = {},
  ): Promise<PhoneResponse> {
    const displayPath = requestOptions.displayPath ?? path;
    for (let hop = 0; ; hop++) {
      const url = `${origin}${path}`;
      const shownUrl = `${origin}${displayPath}`;
      const fullLabel = `GET ${displayPath}`;
      let response: PhoneAnswer;
      let text: string;
      // The whole request, body included, as the retries allow (plus a second of slack).
      const deadline = createDeadline(timeoutMs * (kind === 'read' ? retries + 1 : 1) + 1000);
      try {
        response = await send(path, kind, deadline);
        if (response.status >= 500) {
          // Not read: the status is the answer (after the retries of a read).
          response.body.destroy();
          text = '';
        } else {
          const body = await readBodyCapped(
            response,
            maxResponseBytes,
            requestOptions.keepLastBytes,
          );
          if (!body.ok) {
            throw new SnomResponseTooLargeError(
              safe(
                `phone ${host} answered ${label} (${fullLabel}) with more than ${maxResponseBytes} bytes; the client stopped reading there. Check the host and port (a phone page is a few kB), or raise maxResponseBytes`,
              ),
              response.status,
              maxResponseBytes,
              context(shownUrl),
            );
          }
          text = body.text;
        }
      } catch (error) {
        throw mapError(error, shownUrl, `${label} (${fullLabel})`);
      } finally {
        deadline.clear();
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        checkPage(text, status, shownUrl, label, requestOptions);
        return { status, text };
      }
      if (status === 302 && kind === 'command') return { status, text };
      if (status === 401) {
        const header = response.header('www-authenticate') ?? '';
        throw authError(header, shownUrl, label);
      }
      if (status >= 300 && status < 400) {
        const next = httpsTarget(response.header('location'), url);
        if (
          next !== undefined &&
          (status === 307 || status === 308 || status === 301 || status === 302) &&
          !followedHttps &&
          hop === 0 &&
          (options.followHttpsRedirect ?? true)
        ) {
          const from = origin;
          origin = next;
          followedHttps = true;
          options.onRedirect?.({ from, to: origin, status });
          continue;
        }
        const location = response.header('location') ?? undefined;
        throw new SnomRedirectError(
          safe(
            next === undefined
              ? `phone ${host} redirected ${fullLabel} (${status}) to ${location ?? 'nowhere'}; the client follows only a redirect to https on the same host`
              : `phone ${host} asks for https (${status}); set scheme: 'https' (and rejectUnauthorized: false for a self-signed certificate)`,
          ),
          status,
          location === undefined ? undefined : redact(location, secrets),
          context(shownUrl),
        );
      }
      throw new SnomHttpError(
        safe(
          `phone ${host} answered ${status} to ${label} (${fullLabel}); check the phone's web UI and firmware`,
        ),
        status,
        context(shownUrl),
      );
    }
  }

  function httpsTarget(location: string | null, current: string): string | undefined {
    if (location === null) return undefined;
    let target: URL;
    try {
      target = new URL(location, current);
    } catch {
      return undefined;
    }
    const here = new URL(current);
    if (target.protocol !== 'https:' || here.protocol !== 'http:') return undefined;
    if (target.hostname.toLowerCase() !== here.hostname.toLowerCase()) return undefined;
    return target.origin;
  }

  /** Throws for 2xx pages that are not what they seem: a failed login, a D8xx phone. */
  function checkPage(
    text: string,
    status: number,
    url: string,
    label: string,
    requestOptions: RequestOptions,
  ): void {
    if (isLoginFailedPage(text)) {
      throw new SnomAuthError(
        safe(
          `phone ${host} refused ${label}: it answered ${status} with a "Login failed!" page (firmware 10.x web login); check the HTTP username and password. The phone may refuse every login for about a minute after failed attempts`,
        ),
        'login-page',
        context(url),
        status,
      );
    }
    if (requestOptions.allowPhoneManager !== true && isPhoneManagerPage(text)) {
      phoneManagerSeen = true;
      throw unsupported(label, url);
    }
  }

  /**
   * After a 404 to command.htm: a D8xx has no command.htm and answers its root with a "Phone
   * Manager" page. Returns the typed error for that case, or the original 404.
   */
  async function explain404(error: unknown, label: string): Promise<unknown> {
    if (!isSnomHttp404(error)) return error;
    try {
      const root = await request('/', 'command', 'detect the phone model', {
        allowPhoneManager: true,
      });
      if (!isPhoneManagerPage(root.text)) return error;
    } catch {
      return error;
    }
    phoneManagerSeen = true;
    return unsupported(label, error.url);
  }

  async function commandRequest(
    path: string,
    label: string,
    requestOptions?: RequestOptions,
  ): Promise<PhoneResponse> {
    try {
      return await request(path, 'command', label, requestOptions);
    } catch (error) {
      throw await explain404(error, label);
    }
  }

  function authError(header: string, url: string, label: string): SnomAuthError {
    const scheme = authSchemeOf(header);
    if (scheme === 'basic' && authFetch.digestPinned) {
      return new SnomAuthDowngradeError(
        safe(
          `phone ${host} asked for Basic authentication for ${label} after it had asked for Digest; the password was not sent (someone on the network may be trying to capture it). If the phone's http_scheme really changed to Basic, restart the client`,
        ),
        context(url),
      );
    }
    const asked =
      scheme === 'unknown' ? 'an unknown scheme' : scheme === 'digest' ? 'Digest' : 'Basic';
    let advice: string;
    if (options.username === undefined || options.password === undefined) {
      advice = 'set username and password';
    } else if (scheme === 'basic' && auth === 'digest') {
      advice = "the client is set to auth: 'digest'; use auth: 'auto' or 'basic'";
    } else if (scheme === 'digest' && auth === 'basic') {
      advice = "the client is set to auth: 'basic'; use auth: 'auto' or 'digest'";
    } else if (
      scheme === 'digest' &&
      pickDigestChallenge(parseWwwAuthenticate(header)) === undefined
    ) {
      advice = 'the phone offers no Digest algorithm this client supports (MD5, SHA-256, qop=auth)';
    } else {
      advice = 'the phone rejected the username or password; check the HTTP credentials';
    }
    return new SnomAuthError(
      safe(`phone ${host} refused ${label} (401, asks for ${asked} authentication): ${advice}`),
      scheme,
      context(url),
    );
  }

  async function command(path: string, label: string): Promise<void> {
    await queue.run(async () => {
      assertHttpControl(label);
      await commandRequest(path, label);
    });
  }

  function protocolError(
    response: PhoneResponse,
    url: string,
    label: string,
    expected: string,
  ): SnomProtocolError {
    const excerpt = responseExcerpt(response.text, secrets);
    const shown = excerpt === '' ? 'an empty body' : JSON.stringify(excerpt);
    return new SnomProtocolError(
      safe(
        `phone ${host} answered ${response.status} to ${label} but it does not look like ${expected} (got ${shown}); check the host, port and scheme (another web server may be answering), or set strictResponses: false for unusual firmware`,
      ),
      response.status,
      excerpt,
      context(url),
    );
  }

  async function sendKeys(list: readonly string[], label: string): Promise<void> {
    // One queue slot for the whole sequence: no other request lands between its keys.
    await queue.run(async () => {
      assertHttpControl(label);
      if (oneKeyPerRequest) {
        for (const key of list) await commandRequest(keysPath([key]), label);
      } else {
        await commandRequest(keysPath(list), label);
      }
    });
  }

  function checkedPagePath(path: string): string {
    const checked = phonePagePath(path);
    if (checked === undefined) {
      throw invalid(
        `invalid log page path ${JSON.stringify(path)}; use a path on the phone like /sip_trace.htm (no scheme, host or "..")`,
      );
    }
    return checked;
  }

  function checkKeys(list: readonly string[]): void {
    if (list.length === 0) throw invalid('pressKeys needs at least one key');
    for (const key of list) {
      if (!KEY_PATTERN.test(key)) {
        throw invalid(
          `invalid key ${JSON.stringify(key)}; use a key name like ENTER, F_HOLD, P1, 0-9, * or #, optionally with ",press_ms[,pause_ms]"`,
        );
      }
    }
  }

  return {
    get scheme(): 'http' | 'https' {
      return origin.startsWith('https:') ? 'https' : 'http';
    },

    async dial(number, dialOptions) {
      if (!DIAL_NUMBER_PATTERN.test(number)) {
        throw invalid(
          `cannot dial ${JSON.stringify(number)}: only digits, a leading +, * and # are allowed; normalise it first (toDialable)`,
        );
      }
      const identity = dialOptions?.identity;
      if (identity !== undefined && !/^[\x21-\x7e]+$/.test(identity)) {
        throw invalid('identity must be a SIP URI or user@host without spaces');
      }
      const path = dialPath(number, identity);
      const response = await queue.run(async () => {
        assertHttpControl('dial');
        return commandRequest(path, 'dial');
      });
      if (
        strictResponses &&
        response.status >= 200 &&
        response.status < 300 &&
        !looksLikeSnomPage(response.text)
      ) {
        throw protocolError(
          response,
          `${origin}${path}`,
          'dial (GET /command.htm?number=…)',
          "a snom phone's answer to a dial command (real phones redirect with 302)",
        );
      }
    },

    async hangUp() {
      await sendKeys([keys.hangUp], 'hang up');
    },

    async answer() {
      await sendKeys([keys.answer], 'answer');
    },

    async hold() {
      await sendKeys([keys.hold], 'hold');
    },

    async unhold() {
      await sendKeys([keys.unhold], 'unhold');
    },

    async blindTransfer(number) {
      if (!/^[0-9*#]+$/.test(number)) {
        throw invalid(
          `cannot transfer to ${JSON.stringify(number)}: only digits, * and # can be keyed in; normalise it first (toDialable)`,
        );
      }
      await sendKeys([keys.transfer, ...number.split(''), keys.enter], 'blind transfer');
    },

    async sendDtmf(digits) {
      if (!DTMF_PATTERN.test(digits)) {
        throw invalid(`invalid DTMF ${JSON.stringify(digits)}; use 0-9, *, # and A-D`);
      }
      await command(dtmfPath(digits), 'send DTMF');
    },

    async pressKeys(list) {
      checkKeys(list);
      await sendKeys(list, 'press keys');
    },

    async releaseAllCalls() {
      await command('/command.htm?RELEASE_ALL_CALLS', 'release all calls');
    },

    async writeSettings(settings, writeOptions) {
      for (const name of Object.keys(settings)) {
        if (!SETTING_NAME_PATTERN.test(name)) {
          throw invalid(`invalid setting name ${JSON.stringify(name)}; names look like user_name1`);
        }
        if (typeof settings[name] !== 'string') {
          throw invalid(`setting ${name} must have a string value`);
        }
      }
      const result = settingsPaths(settings, {
        store: writeOptions?.store ?? false,
        maxPathBytes: maxUrlLength - `https://${host}`.length,
      });
      if ('tooLong' in result) {
        throw invalid(
          `setting ${result.tooLong} is too long to fit in one ${maxUrlLength}-byte URL; shorten it or raise maxUrlLength`,
        );
      }
      await queue.run(async () => {
        assertHttpControl('write settings');
        for (const path of result.paths) {
          // Values may hold secrets (Action URL keys, passwords): errors show names only.
          const displayPath = path.replace(/&([^=&]+)=[^&]*/g, (match, name: string) =>
            name === 'store_settings' ? match : `&${name}=…`,
          );
          await commandRequest(path, 'write settings', { displayPath });
        }
      });
    },

    async readSettings() {
      const { text } = await queue.run(async () => {
        assertHttpControl('read settings');
        return request('/settings.htm', 'read', 'read settings');
      });
      return parseSettingsPage(text);
    },

    async info() {
      const response = await queue.run(() =>
        request('/info.htm', 'read', 'read info', { allowPhoneManager: true }),
      );
      const url = `${origin}/info.htm`; // after the request: a followed 307 changes the origin
      const parsed = parseInfoPage(response.text);
      if (parsed.phoneManager) {
        phoneManagerSeen = true;
        throw new SnomUnsupportedModelError(
          `phone ${host} is a D8xx "Phone Manager" phone (${parsed.info.model ?? 'model unknown'}): it has no HTTP command interface; its Action URLs still work`,
          parsed.info.model,
          context(url),
        );
      }
      const { model: found, mac, firmware } = parsed.info;
      if (strictResponses && found === null && mac === null && firmware === null) {
        throw protocolError(
          response,
          url,
          'read info (GET /info.htm)',
          "a snom phone's info page (no model, MAC or firmware found)",
        );
      }
      return parsed.info;
    },

    async readLog(logRequest) {
      const path = logRequest?.path === undefined ? logPath : checkedPagePath(logRequest.path);
      const maxBytes = logRequest?.maxBytes;
      if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
        throw invalid(
          `invalid maxBytes ${String(maxBytes)} for read log; use a positive whole number of bytes`,
        );
      }
      const { text } = await queue.run(async () => {
        assertHttpControl('read log');
        return request(
          path,
          'read',
          'read log',
          maxBytes === undefined ? {} : { keepLastBytes: maxBytes },
        );
      });
      return text;
    },

    async clearLog(clearRequest) {
      const path =
        clearRequest?.path === undefined ? clearLogPath : checkedPagePath(clearRequest.path);
      await command(path, 'clear log');
    },

    webConfigUrl() {
      return `${origin}/`;
    },

    async close() {
      const own = ownDispatcher;
      ownDispatcher = null;
      await own?.close();
    },
  };
}

/** True for a D8xx "Phone Manager" page (its title; D3xx/D7xx pages are titled `snom D715`). */
function isPhoneManagerPage(text: string): boolean {
  const title = htmlTitle(text);
  return title !== null && PHONE_MANAGER_TITLE.test(title);
}

function isSnomHttp404(error: unknown): error is SnomHttpError {
  return (
    error instanceof SnomHttpError && !(error instanceof SnomAuthError) && error.status === 404
  );
}

function secretsOf(options: SnomClientOptions): string[] {
  return options.password === undefined ? [] : [options.password];
}

function definedKeys(keys: Partial<KeyNames> | undefined): Partial<KeyNames> {
  const out: Partial<KeyNames> = {};
  if (keys === undefined) return out;
  for (const [name, value] of Object.entries(keys) as [keyof KeyNames, string | undefined][]) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Keeps the low-level cause for debugging but strips anything that could echo a secret. */
function sanitizeCause(error: unknown, secrets: readonly string[]): unknown {
  const code = findCode(error);
  const message = error instanceof Error ? redact(error.message, secrets) : 'request failed';
  const cause = new Error(code === undefined ? message : `${message} (${code})`);
  if (code !== undefined) Object.assign(cause, { code });
  return cause;
}
