import { fetch as undiciFetch, type Dispatcher } from 'undici';
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

/** A fetch-compatible function (what ky's `fetch` option takes). */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** The fetch of {@link createAuthFetch}, plus what it learned about the phone. */
export interface AuthFetch extends FetchLike {
  /**
   * True once the phone has answered with a Digest challenge while `auth` is `'auto'`: from then
   * on the password is never sent with Basic, so a later `WWW-Authenticate: Basic` (a man in the
   * middle asking for a downgrade) gets no credentials.
   */
  readonly digestPinned: boolean;
}

/**
 * Builds the fetch function handed to ky: sends each request through the client's own undici
 * dispatcher with `redirect: 'manual'`, and answers 401 challenges with Basic or Digest
 * (RFC 7616: nonce reuse with a counting nc, a fresh nonce after `stale=true`). It gives up
 * after three tries and returns the last 401 for the caller to turn into a `SnomAuthError`.
 * With `auth: 'auto'`, the first Digest challenge pins the phone to Digest for the client's
 * life: Basic credentials are never sent to it again (see {@link AuthFetch.digestPinned}).
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

  const authFetch = async (rawInput: Request | string | URL): Promise<Response> => {
    const input = rawInput instanceof Request ? rawInput : new Request(rawInput);
    const url = new URL(input.url);
    const uri = `${url.pathname}${url.search}`;
    const method = input.method;
    const baseHeaders: Record<string, string> = {};
    input.headers.forEach((value, key) => {
      baseHeaders[key] = value;
    });

    const send = async (authorization: string | undefined): Promise<Response> => {
      const headers = authorization === undefined ? baseHeaders : { ...baseHeaders, authorization };
      const response = await undiciFetch(input.url, {
        method,
        headers,
        signal: input.signal,
        redirect: 'manual',
        dispatcher: dispatcher(),
      });
      // Re-wrap undici's Response in the global one ky and callers expect (same stream type).
      const nullBody = response.status === 204 || response.status === 304;
      return new Response(nullBody ? null : response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      });
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
      const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '');
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
      await response.body?.cancel();
    }
  };
  return Object.defineProperty(authFetch, 'digestPinned', {
    get: () => digestPinned,
    enumerable: true,
  }) as AuthFetch;
}
