import type { Dispatcher } from 'undici';
import { DigestSession, parseWwwAuthenticate, pickDigestChallenge } from './digest-auth.js';

/** Which schemes the client may answer with (see `SnomClientOptions.auth`). */
export type AuthMode = 'basic' | 'digest' | 'auto';

/** Options of {@link createAuthFetch}. */
export interface AuthFetchOptions {
  username: string | undefined;
  password: string | undefined;
  auth: AuthMode;
  /** The undici dispatcher to send through, asked for at each request (made when first needed). */
  dispatcher: () => Dispatcher;
  /** Cnonce source, injectable for tests. */
  makeCnonce?: () => string;
}

/** A response body as undici hands it over: read it, or destroy it to close the connection. */
export interface AnswerBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): void;
}

/** A phone's answer: status, headers and the body, not read yet. */
export interface PhoneAnswer {
  readonly status: number;
  /** A header's value (repeated headers joined with `, `, as fetch does), or null. */
  header(name: string): string | null;
  readonly body: AnswerBody;
}

/** What one request sends (the path may hold raw spaces: it is encoded like fetch's URL). */
export interface SendInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Sends one request to `origin` + `path`, answering 401 challenges (see {@link createAuthFetch}). */
export interface AuthFetch {
  (origin: string, path: string, init: SendInit): Promise<PhoneAnswer>;
  /**
   * True once the phone has answered with a Digest challenge while `auth` is `'auto'`: from then
   * on the password is never sent with Basic, so a later `WWW-Authenticate: Basic` (a man in the
   * middle asking for a downgrade) gets no credentials.
   */
  readonly digestPinned: boolean;
}

const ignore = (): void => undefined;

function answerOf(data: Dispatcher.ResponseData): PhoneAnswer {
  const headers = data.headers;
  // A body destroyed unread (a 401 retried, a cap exceeded) emits undici's AbortError; reading
  // it still sees every error (the iterator listens itself), nothing else has to.
  data.body.on('error', ignore);
  return {
    status: data.statusCode,
    header(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: data.body,
  };
}

/**
 * Builds the request function of a snom client: sends each request with undici's `request()`
 * through the client's dispatcher (no fetch, Request, Response or web streams: a phone request
 * allocates about half as much and costs about half the CPU, which a daemon with thousands of
 * phones pays in garbage collection and RSS), never follows redirects, and answers 401
 * challenges with Basic or Digest (RFC 7616: nonce reuse with a counting nc, a fresh nonce after
 * `stale=true`). It gives up after three tries and returns the last 401 for the caller to turn
 * into a `SnomAuthError`. With `auth: 'auto'`, the first Digest challenge pins the phone to
 * Digest for the client's life: Basic credentials are never sent to it again (see
 * {@link AuthFetch.digestPinned}).
 */
export function createAuthFetch(options: AuthFetchOptions): AuthFetch {
  const { username, password, auth, dispatcher } = options;
  const hasCredentials = username !== undefined && password !== undefined;
  const basicHeader = hasCredentials
    ? `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
    : undefined;
  const digest = hasCredentials
    ? new DigestSession(username, password, options.makeCnonce)
    : undefined;
  let learnedBasic = auth === 'basic';
  // The phone has asked for Digest once: in 'auto' mode, Basic is never sent to it again.
  let digestPinned = false;

  const authFetch = async (origin: string, path: string, init: SendInit): Promise<PhoneAnswer> => {
    // Encoded the way fetch's URL parser did (a dial string may hold a raw space).
    const url = new URL(path, origin);
    const uri = `${url.pathname}${url.search}`;
    const { method, signal } = init;

    const send = async (authorization: string | undefined): Promise<PhoneAnswer> => {
      const headers =
        authorization === undefined ? init.headers : { ...init.headers, authorization };
      const data = await dispatcher().request({
        origin: url.origin,
        path: uri,
        method: method as Dispatcher.HttpMethod,
        headers,
        signal,
      });
      return answerOf(data);
    };

    let sent: 'none' | 'basic' | 'digest' = 'none';
    let authorization: string | undefined;
    if (digest?.ready === true && auth !== 'basic') {
      authorization = digest.authorization(method, uri);
      sent = 'digest';
    } else if (learnedBasic && basicHeader !== undefined) {
      authorization = basicHeader;
      sent = 'basic';
    }

    for (let attempt = 0; ; attempt++) {
      const response = await send(authorization);
      if (response.status !== 401 || digest === undefined || attempt >= 2) return response;
      const challenges = parseWwwAuthenticate(response.header('www-authenticate') ?? '');
      const digestChallenge = auth === 'basic' ? undefined : pickDigestChallenge(challenges);
      if (auth === 'auto' && challenges.some((c) => c.scheme === 'digest')) {
        digestPinned = true;
        learnedBasic = false;
      }
      const basicOffered =
        auth !== 'digest' && !digestPinned && challenges.some((c) => c.scheme === 'basic');
      if (digestChallenge !== undefined) {
        const stale = digestChallenge.params['stale']?.toLowerCase() === 'true';
        if (sent === 'digest' && !stale) {
          digest.reset(); // credentials rejected: do not keep reusing this nonce
          return response;
        }
        digest.accept(digestChallenge);
        authorization = digest.authorization(method, uri);
        sent = 'digest';
      } else if (basicOffered && sent !== 'basic' && basicHeader !== undefined) {
        learnedBasic = true;
        authorization = basicHeader;
        sent = 'basic';
      } else {
        return response;
      }
      response.body.destroy();
    }
  };
  return Object.defineProperty(authFetch, 'digestPinned', {
    get: () => digestPinned,
    enumerable: true,
  }) as AuthFetch;
}
