import net from 'node:net';
import tls from 'node:tls';

/** Runtime variables a full-class phone expands per event (snom-protocol.md §1.3). */
export const RUNTIME_VARIABLES = [
  'call-id',
  'nr_ongoing_calls',
  'active_user',
  'active_host',
  'active_url',
  'local',
  'remote',
  'display_local',
  'display_remote',
  'phone_ip',
  'local_ip',
  'cancel_reason',
] as const;

/** Settings that expand to the empty string (snom: "private settings expand to nothing"). */
const PRIVATE_SETTINGS = /pass|pwd|secret/i;

/**
 * Expand `$name` tokens in an Action URL template. A token is the longest run of
 * `[A-Za-z0-9_-]` after `$`; if that is not a known name, its longest known prefix is expanded
 * and the rest stays literal; unknown tokens stay literal (as snom leaves them).
 */
export function expandTemplate(
  template: string,
  runtime: Readonly<Record<string, string>>,
  settings: ReadonlyMap<string, string>,
  encode: (value: string) => string,
): string {
  return template.replace(/\$([A-Za-z0-9_-]+)/g, (whole, name: string) => {
    for (let end = name.length; end > 0; end -= 1) {
      const candidate = name.slice(0, end);
      const rest = name.slice(end);
      const value = lookup(candidate, runtime, settings);
      if (value !== undefined) return encode(value) + rest;
    }
    return whole;
  });
}

function lookup(
  name: string,
  runtime: Readonly<Record<string, string>>,
  settings: ReadonlyMap<string, string>,
): string | undefined {
  if (Object.hasOwn(runtime, name)) return runtime[name];
  const setting = settings.get(name);
  if (setting === undefined) return undefined;
  return PRIVATE_SETTINGS.test(name) ? '' : setting;
}

/** Where an expanded Action URL goes. */
export interface ActionUrlTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Everything after the authority, sent unchanged as the request target (fragment included). */
  target: string;
}

/** Split an expanded URL without normalising it (node's URL parser would re-encode it). */
export function splitActionUrl(url: string): ActionUrlTarget | undefined {
  const m = /^(https?):\/\/([^/:?#\s]+)(?::(\d{1,5}))?(.*)$/is.exec(url);
  if (m === null) return undefined;
  const scheme = m[1]?.toLowerCase() === 'https' ? 'https' : 'http';
  const rest = m[4] ?? '';
  return {
    scheme,
    host: m[2] ?? '',
    port: m[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(m[3]),
    target: rest.startsWith('/') ? rest : `/${rest}`,
  };
}

/** Only 127.0.0.0/8 (and `localhost`) unless the caller allows more. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Result of one raw Action URL request. */
export interface SendResult {
  status: number | null;
  error: string | null;
}

/**
 * Send one GET with a raw socket so the request target goes out byte for byte (node:http
 * refuses raw spaces and non-ASCII). Never throws: failures come back as `error`.
 */
export function sendRawGet(options: {
  target: ActionUrlTarget;
  request: Buffer;
  localAddress: string | undefined;
  timeoutMs: number;
}): Promise<SendResult> {
  return new Promise((resolve) => {
    const { target } = options;
    const host = target.host.toLowerCase() === 'localhost' ? '127.0.0.1' : target.host;
    const connectOptions = {
      host,
      port: target.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    };
    const socket =
      target.scheme === 'https'
        ? tls.connect({ ...connectOptions, rejectUnauthorized: false, servername: '' })
        : net.connect(connectOptions);
    let settled = false;
    let head = '';
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(options.timeoutMs, () => {
      finish({ status: null, error: `timeout after ${String(options.timeoutMs)} ms` });
    });
    socket.once(target.scheme === 'https' ? 'secureConnect' : 'connect', () => {
      socket.write(options.request);
    });
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const lineEnd = head.indexOf('\r\n');
      if (lineEnd === -1 && head.length < 1024) return;
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(head);
      finish(
        m === null
          ? { status: null, error: 'malformed response' }
          : { status: Number(m[1]), error: null },
      );
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      finish({ status: null, error: err.code ?? err.message });
    });
    socket.on('close', () => {
      finish({ status: null, error: 'connection closed before a response' });
    });
  });
}
