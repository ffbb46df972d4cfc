import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address, for the Action URLs phones call back on. */
export function guessLanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}

/** A host as it goes into a URL: IPv6 addresses in brackets. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Whether a bind address means "every interface" (no one can call it back as such). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** What the public base is computed from. */
export interface PublicBaseInput {
  /** `listener.publicHost` from the config (`address` or `address:port`), or null. */
  readonly publicHost: string | null;
  /** The listener's bind host. */
  readonly host: string;
  /** The listener's port (the bound one when active). */
  readonly port: number;
}

/**
 * The `http://host:port` phones call the Action URLs on: the configured public host (with the
 * listener's port unless it names one), else the bind host, else (bound to every interface)
 * the first LAN IPv4 address.
 */
export function publicBaseOf(input: PublicBaseInput): string {
  const { publicHost, host, port } = input;
  if (publicHost !== null)
    return publicHost.includes(':') && !publicHost.startsWith('[')
      ? `http://${publicHost}`
      : `http://${publicHost}:${String(port)}`;
  const reachable = isWildcardHost(host) ? guessLanAddress() : host;
  return `http://${formatHost(reachable)}:${String(port)}`;
}
