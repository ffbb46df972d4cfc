import { createHash, randomBytes } from 'node:crypto';

/** One challenge from a `WWW-Authenticate` header: the scheme (lower case) and its parameters. */
export interface AuthChallenge {
  scheme: string;
  params: Readonly<Record<string, string>>;
}

/** The digest algorithms this client can answer (RFC 7616 §3.3 and RFC 2617). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const SUPPORTED: Readonly<Record<string, DigestAlgorithm>> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** Preference when a phone offers several Digest challenges: strongest first. */
const STRENGTH: Readonly<Record<DigestAlgorithm, number>> = {
  'SHA-256': 4,
  'SHA-256-sess': 3,
  MD5: 2,
  'MD5-sess': 1,
};

/**
 * Parses a `WWW-Authenticate` header value (several challenges may be comma-joined, as fetch
 * joins repeated headers) into challenges. Tolerant: unknown junk is skipped.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const n = header.length;
  const skip = (chars: string): void => {
    while (i < n && chars.includes(header.charAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skip(' \t,');
    if (i >= n) break;
    const token = readToken();
    if (token === '') {
      i++; // not a token character: skip it
      continue;
    }
    skip(' \t');
    if (header.charAt(i) === '=' && challenges.length > 0) {
      // auth-param of the current challenge (token68 values are ignored)
      i++;
      skip(' \t');
      let value: string;
      if (header.charAt(i) === '"') {
        i++;
        let out = '';
        while (i < n && header.charAt(i) !== '"') {
          if (header.charAt(i) === '\\' && i + 1 < n) i++;
          out += header.charAt(i);
          i++;
        }
        i++; // closing quote
        value = out;
      } else {
        const start = i;
        while (i < n && header.charAt(i) !== ',') i++;
        value = header.slice(start, i).trim();
      }
      const current = challenges[challenges.length - 1];
      if (current !== undefined) current.params[token.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

/** Maps an algorithm name from a challenge to a supported one, or undefined. */
export function supportedDigestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  return SUPPORTED[(name ?? 'MD5').toLowerCase()];
}

/** Picks the strongest Digest challenge this client can answer, or undefined. */
export function pickDigestChallenge(
  challenges: readonly AuthChallenge[],
): AuthChallenge | undefined {
  let best: AuthChallenge | undefined;
  let bestStrength = 0;
  for (const challenge of challenges) {
    if (challenge.scheme !== 'digest') continue;
    const algorithm = supportedDigestAlgorithm(challenge.params['algorithm']);
    if (algorithm === undefined || challenge.params['nonce'] === undefined) continue;
    const qop = challenge.params['qop'];
    if (qop !== undefined && !splitList(qop).includes('auth')) continue; // auth-int only
    if (STRENGTH[algorithm] > bestStrength) {
      best = challenge;
      bestStrength = STRENGTH[algorithm];
    }
  }
  return best;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

function hash(algorithm: DigestAlgorithm, data: string): string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return createHash(name).update(data, 'utf8').digest('hex');
}

/** Inputs of one Digest response computation (RFC 7616 §3.4.1). */
export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  /** The request-target: path and query, e.g. `/command.htm?key=ENTER`. */
  uri: string;
  /** `auth`, or undefined for an RFC 2069 challenge without qop. */
  qop: 'auth' | undefined;
  /** The nonce count, 1 for the first use of a nonce. */
  nc: number;
  cnonce: string;
}

/** Formats a nonce count as the 8 hex digits the header carries. */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** Computes the `response` value of a Digest Authorization header (RFC 7616 §3.4.1). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm } = input;
  let ha1 = hash(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = hash(algorithm, `${ha1}:${input.nonce}:${input.cnonce}`);
  const ha2 = hash(algorithm, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return hash(algorithm, `${ha1}:${input.nonce}:${ha2}`);
  return hash(
    algorithm,
    `${ha1}:${input.nonce}:${formatNonceCount(input.nc)}:${input.cnonce}:${input.qop}:${ha2}`,
  );
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A Digest session for one protection space: keeps the last challenge, reuses its nonce for
 * later requests with a rising nonce count (saves the 401 round trip), and takes a fresh
 * challenge when the phone sends one (e.g. `stale=true`).
 */
export class DigestSession {
  private challenge: AuthChallenge | undefined;
  private algorithm: DigestAlgorithm = 'MD5';
  private nc = 0;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly makeCnonce: () => string = () => randomBytes(16).toString('hex'),
  ) {}

  /** Stores a new challenge; false when it is not a Digest challenge this client can answer. */
  accept(challenge: AuthChallenge): boolean {
    const algorithm = supportedDigestAlgorithm(challenge.params['algorithm']);
    if (challenge.scheme !== 'digest' || algorithm === undefined) return false;
    this.challenge = challenge;
    this.algorithm = algorithm;
    this.nc = 0;
    return true;
  }

  /** True once a challenge is stored, so requests can carry credentials up front. */
  get ready(): boolean {
    return this.challenge !== undefined;
  }

  /** Forgets the stored challenge (after a plain rejection). */
  reset(): void {
    this.challenge = undefined;
    this.nc = 0;
  }

  /** Builds the `Authorization` header for one request, counting the nonce use. */
  authorization(method: string, uri: string): string | undefined {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    const params = challenge.params;
    const realm = params['realm'] ?? '';
    const nonce = params['nonce'] ?? '';
    const qop = params['qop'] !== undefined ? ('auth' as const) : undefined;
    this.nc += 1;
    const cnonce = this.makeCnonce();
    const userhash = params['userhash']?.toLowerCase() === 'true';
    const username = userhash ? hash(this.algorithm, `${this.username}:${realm}`) : this.username;
    const response = computeDigestResponse({
      algorithm: this.algorithm,
      username: this.username,
      password: this.password,
      realm,
      nonce,
      method,
      uri,
      qop,
      nc: this.nc,
      cnonce,
    });
    const parts = [
      `username=${quote(username)}`,
      `realm=${quote(realm)}`,
      `uri=${quote(uri)}`,
      `algorithm=${this.algorithm}`,
      `nonce=${quote(nonce)}`,
    ];
    if (qop !== undefined) {
      parts.push(`nc=${formatNonceCount(this.nc)}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
    }
    parts.push(`response=${quote(response)}`);
    if (params['opaque'] !== undefined) parts.push(`opaque=${quote(params['opaque'])}`);
    if (userhash) parts.push('userhash=true');
    return `Digest ${parts.join(', ')}`;
  }
}
