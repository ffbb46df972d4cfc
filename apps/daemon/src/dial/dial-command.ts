import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_URL, clientConfigPath, loadClientConfig } from './client-config.js';
import { DialCommandError, isDialCommandError } from './dial-errors.js';
import { dialTarget } from './dial-target.js';

/** `snomlink dial --help`. */
export const DIAL_HELP = `snomlink dial — dial a number on your desk phone through a running snomlink

Usage: snomlink dial <number | tel:URI | callto:URI | sip:URI> [--phone ID] [--url ADMIN_URL]

  --phone ID        the phone to dial from (default: "phone" in the client file, else the
                    daemon's only phone)                                env SNOMLINK_PHONE
  --url ADMIN_URL   the daemon's admin URL (default ${DEFAULT_ADMIN_URL})   env SNOMLINK_URL
  -h, --help        this text

The token (the admin token or your own user token, slu_…) comes from env SNOMLINK_TOKEN or "token" in the client file
(${clientConfigPath({ HOME: '~' }, 'linux')}, %APPDATA%\\snomlink\\client.json on Windows,
or env SNOMLINK_CLIENT_CONFIG), never from the command line: other users see argv.
Client file: {"url": "http://127.0.0.1:8090", "token": "…", "phone": "desk"}, mode 0600.

Prints the number the phone dials. Exit codes: 0 dialled, 1 the daemon refused or is not
reachable (its message is printed), 2 bad arguments or client file.
`;

/** Where `snomlink dial` writes and what it reads; injectable for tests. */
export interface DialCommandIo {
  readonly env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Per-request timeout; default 40 s (the daemon waits up to 30 s for the phone). */
  readonly timeoutMs?: number;
}

interface PhoneListBody {
  phones?: { id: string }[];
}

/** `{ error, detail }` of the daemon's error answers. */
interface ErrorBody {
  error?: string;
  detail?: string;
}

/**
 * `snomlink dial …`: resolves URL, token and phone, calls `POST /api/phones/{id}/dial` and
 * prints the dialled number. Resolves with the exit code; never throws for expected failures.
 */
export async function runDialCommand(argv: readonly string[], io: DialCommandIo): Promise<number> {
  try {
    return await dial(argv, io);
  } catch (error) {
    if (isDialCommandError(error)) {
      io.stderr(`snomlink dial: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

async function dial(argv: readonly string[], io: DialCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        phone: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new DialCommandError(`${(error as Error).message}\n\n${DIAL_HELP}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(DIAL_HELP);
    return 0;
  }
  // `snomlink dial +49 30 9876543` arrives as three arguments: one number.
  const number = dialTarget(positionals.join(' '));

  const { env } = io;
  const loaded = await loadClientConfig(clientConfigPath(env));
  for (const warning of loaded.warnings) io.stderr(`snomlink dial: warning: ${warning}\n`);
  const client = loaded.config;
  const token = nonEmpty(env['SNOMLINK_TOKEN']) ?? client.token;
  if (token === undefined) {
    throw new DialCommandError(
      `no admin token: set SNOMLINK_TOKEN or "token" in ${loaded.file} ` +
        "(the daemon's admin.token from its config.json, or a user token from its Users page)",
      2,
    );
  }
  const base = (values.url ?? nonEmpty(env['SNOMLINK_URL']) ?? client.url ?? DEFAULT_ADMIN_URL)
    .trim()
    .replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/i.test(base))
    throw new DialCommandError(`"${base}" is not an http(s) admin URL`, 2);

  const request = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(io.timeoutMs ?? 40_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new DialCommandError(
        `cannot reach snomlink at ${base} (${why}); is the daemon running? ` +
          `(set the URL with --url, SNOMLINK_URL or "url" in ${loaded.file})`,
        1,
        { cause: error },
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: reported below with the status
    }
    if (!res.ok) {
      const err = (json ?? {}) as ErrorBody;
      const message = err.detail ?? err.error ?? (text.slice(0, 200) || res.statusText);
      const hint = res.status === 401 ? ` — check SNOMLINK_TOKEN or "token" in ${loaded.file}` : '';
      throw new DialCommandError(`${message} (HTTP ${res.status})${hint}`, 1);
    }
    return json;
  };

  const phone =
    values.phone ?? nonEmpty(env['SNOMLINK_PHONE']) ?? client.phone ?? (await onlyPhone(request));
  const result = (await request('POST', `/api/phones/${encodeURIComponent(phone)}/dial`, {
    number,
  })) as { dialed?: unknown } | null;
  const dialed = typeof result?.dialed === 'string' ? result.dialed : number;
  io.stdout(`dialling ${dialed} on ${phone}\n`);
  return 0;
}

/** The daemon's only phone, or a DialCommandError that lists the choices. */
async function onlyPhone(
  request: (method: string, path: string) => Promise<unknown>,
): Promise<string> {
  const body = (await request('GET', '/api/phones')) as PhoneListBody | null;
  const ids = (body?.phones ?? []).map((p) => p.id);
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  if (ids.length === 0)
    throw new DialCommandError('the daemon has no phones yet; add one in the admin panel', 1);
  throw new DialCommandError(
    `the daemon has ${ids.length} phones (${ids.join(', ')}); choose one with --phone ID, ` +
      'SNOMLINK_PHONE or "phone" in the client file',
    2,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
