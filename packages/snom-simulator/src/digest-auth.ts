import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@snomlink/core';

/** Digest algorithms the simulated phone can ask for (RFC 7616). */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** The outcome of checking one request's Authorization header. */
export type AuthCheck =
  | { ok: true }
  | { ok: false; challenge: string[]; reason: 'missing' | 'bad-credentials' | 'stale' | 'replay' };

interface NonceState {
  created: number;
  lastNc: number;
}

/** Options of {@link createDigestVerifier}. */
export interface DigestVerifierOptions {
  realm: string;
  username: string;
  password: string;
  algorithms: readonly DigestAlgorithm[];
  nonceTtlMs: number;
  now: () => number;
}

/** Server side of RFC 7616 Digest: challenges, response checks, nonce counts, `stale=true`. */
export interface DigestVerifier {
  check(method: string, uri: string, header: string | undefined): AuthCheck;
  /** Make every nonce handed out so far expire (the next use gets `stale=true`). */
  expireNonces(): void;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text, 'utf8')
    .digest('hex');
}

/** Parse `Digest a=b, c="d"` into a map (keys lower-cased). */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const m of text.matchAll(re)) {
    const key = m[1];
    if (key === undefined) continue;
    params.set(key.toLowerCase(), m[2] === undefined ? (m[3] ?? '') : m[2].replace(/\\(.)/g, '$1'));
  }
  return params;
}

/** Create the Digest verifier a simulated phone uses. */
export function createDigestVerifier(options: DigestVerifierOptions): DigestVerifier {
  const nonces = new Map<string, NonceState>();
  const opaque = randomBytes(8).toString('hex');

  function challenge(stale: boolean): string[] {
    const nonce = randomBytes(16).toString('hex');
    nonces.set(nonce, { created: options.now(), lastNc: 0 });
    if (nonces.size > 1000) {
      const oldest = nonces.keys().next().value;
      if (oldest !== undefined) nonces.delete(oldest);
    }
    return options.algorithms.map(
      (algorithm) =>
        `Digest realm="${options.realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${opaque}"${stale ? ', stale=true' : ''}`,
    );
  }

  return {
    expireNonces(): void {
      for (const state of nonces.values()) state.created = -Infinity;
    },
    check(method, uri, header): AuthCheck {
      if (header === undefined || !/^digest\s/i.test(header)) {
        return { ok: false, challenge: challenge(false), reason: 'missing' };
      }
      const p = parseAuthParams(header.slice(header.indexOf(' ') + 1));
      const algorithmName = (p.get('algorithm') ?? 'MD5').toUpperCase();
      const algorithm = options.algorithms.find((a) => a === algorithmName);
      const nonce = p.get('nonce') ?? '';
      const response = p.get('response') ?? '';
      if (
        algorithm === undefined ||
        p.get('username') !== options.username ||
        p.get('realm') !== options.realm ||
        p.get('uri') !== uri
      ) {
        return { ok: false, challenge: challenge(false), reason: 'bad-credentials' };
      }
      const ha1 = hash(algorithm, `${options.username}:${options.realm}:${options.password}`);
      const ha2 = hash(algorithm, `${method}:${uri}`);
      const qop = p.get('qop');
      const nc = p.get('nc') ?? '';
      const cnonce = p.get('cnonce') ?? '';
      const expected =
        qop === undefined
          ? hash(algorithm, `${ha1}:${nonce}:${ha2}`)
          : hash(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
      if (!constantTimeEqual(expected, response.toLowerCase())) {
        return { ok: false, challenge: challenge(false), reason: 'bad-credentials' };
      }
      const state = nonces.get(nonce);
      if (state === undefined || options.now() - state.created > options.nonceTtlMs) {
        // Right password, but a nonce we no longer accept: tell the client to retry with a new one.
        if (state !== undefined) nonces.delete(nonce);
        return { ok: false, challenge: challenge(true), reason: 'stale' };
      }
      if (qop !== undefined) {
        const count = Number.parseInt(nc, 16);
        if (!Number.isFinite(count) || count <= state.lastNc) {
          return { ok: false, challenge: challenge(false), reason: 'replay' };
        }
        state.lastNc = count;
      }
      return { ok: true };
    },
  };
}
