import type { Hono } from 'hono';
import type { AdminServer } from './admin-server.js';
import type { Integrations } from './integrations.js';
import type { ListenerController } from './listener-controller.js';
import { formatHost, isWildcardHost } from './public-base.js';

/** Options of {@link bindPorts}. */
export interface BindPortsOptions {
  readonly adminServer: Pick<AdminServer, 'listen' | 'close'>;
  readonly app: Hono;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly listener: Pick<ListenerController, 'startAtBoot'>;
  /** Already started; closed again when a port cannot be bound. */
  readonly integrations: Pick<Integrations, 'close'>;
}

/**
 * Binds the admin API, then the Action URL listener, and returns the admin API's bound port.
 * When either refuses, what was started is undone (the admin server, the integrations) before
 * the error is rethrown, so a failed start leaves nothing open.
 */
export async function bindPorts(options: BindPortsOptions): Promise<number> {
  try {
    const port = await options.adminServer.listen(
      options.app,
      options.adminHost,
      options.adminPort,
    );
    try {
      await options.listener.startAtBoot();
    } catch (error) {
      await options.adminServer.close();
      throw error;
    }
    return port;
  } catch (error) {
    await options.integrations.close();
    throw error;
  }
}

/** Where a browser reaches the admin API bound to `host:port` (a wildcard host as loopback). */
export interface AdminLocation {
  /** `host:port`: an Origin naming it is same-origin. */
  readonly address: string;
  /** `http://host:port/?token=…`, the sign-in URL the CLI prints. */
  readonly url: string;
}

/** The {@link AdminLocation} of an admin API bound to `host:port` with admin token `token`. */
export function adminLocation(host: string, port: number, token: string): AdminLocation {
  const address = `${formatHost(isWildcardHost(host) ? '127.0.0.1' : host)}:${String(port)}`;
  return { address, url: `http://${address}/?token=${encodeURIComponent(token)}` };
}
