import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Splits a configured phone host (`address[:port]`, `[v6]:port`, bare v6) into its address. */
export function hostAddress(host: string): string {
  const h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return (end > 0 ? h.slice(1, end) : h.slice(1)).toLowerCase();
  }
  const colons = h.split(':').length - 1;
  return (colons === 1 ? h.slice(0, h.indexOf(':')) : h).toLowerCase();
}

/** A socket's remote address, with the IPv4-mapped IPv6 prefix removed. */
export function normalizeRemote(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

const DNS_TTL_MS = 60_000;

/**
 * Checks a request's source address against a phone's configured host. IP literals are compared
 * directly; a host name is resolved (all addresses) and the answer cached for a minute.
 */
export function createSourceChecker(
  now: () => number,
): (host: string, remote: string) => boolean | Promise<boolean> {
  const cache = new Map<string, { addresses: string[]; until: number }>();
  return (host, remote) => {
    const expected = hostAddress(host);
    const actual = normalizeRemote(remote);
    if (isIP(expected) !== 0) return normalizeRemote(expected) === actual;
    const cached = cache.get(expected);
    if (cached !== undefined && cached.until > now()) return cached.addresses.includes(actual);
    return lookup(expected, { all: true }).then(
      (answers) => {
        const addresses = answers.map((a) => normalizeRemote(a.address));
        if (cache.size > 1000) cache.clear();
        cache.set(expected, { addresses, until: now() + DNS_TTL_MS });
        return addresses.includes(actual);
      },
      () => false,
    );
  };
}
