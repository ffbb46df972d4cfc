import { storedToken } from './auth.js';

/** A failed daemon request: HTTP status plus the daemon's `{ error, detail }` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: string | null,
    readonly path: string,
  ) {
    super(detail !== null && detail !== '' ? `${error}: ${detail}` : error);
  }
}

/** True for an {@link ApiError}, also across duplicated module copies. */
export function isApiError(e: unknown): e is ApiError {
  return e instanceof Error && e.name === 'ApiError';
}

/** True when the daemon refused us for a missing or wrong token. */
export function isUnauthorized(e: unknown): boolean {
  return isApiError(e) && e.status === 401;
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called whenever a request comes back 401, so the app can show the sign-in page. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** Request options: JSON body, an explicit token (sign-in), an abort signal. */
export interface RequestOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly signal?: AbortSignal;
  /** Do not announce a 401 to {@link onUnauthorized} (session probes, sign-in attempts). */
  readonly silent?: boolean;
}

function describeBody(value: unknown, status: number, statusText: string): [string, string | null] {
  if (typeof value === 'object' && value !== null) {
    const { error, detail } = value as { error?: unknown; detail?: unknown };
    if (typeof error === 'string') {
      return [
        error,
        typeof detail === 'string' ? detail : detail == null ? null : JSON.stringify(detail),
      ];
    }
  }
  return [`HTTP ${status}${statusText ? ` ${statusText}` : ''}`, null];
}

/**
 * One JSON request to the daemon. Sends the session cookie (`credentials: 'same-origin'`) and,
 * when a token was pasted, `Authorization: Bearer`. Throws {@link ApiError} carrying the daemon's
 * message on any non-2xx answer, and on network failure (status 0).
 */
export async function api<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token ?? storedToken();
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal !== undefined) init.signal = options.signal;
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(
      0,
      'The daemon cannot be reached',
      cause instanceof Error ? cause.message : String(cause),
      path,
    );
  }
  const text = await response.text();
  let value: unknown = undefined;
  if (text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  if (!response.ok) {
    const [error, detail] = describeBody(value, response.status, response.statusText);
    if (response.status === 401 && options.silent !== true)
      for (const fn of unauthorizedListeners) fn();
    throw new ApiError(response.status, error, detail, path);
  }
  return value as T;
}

/** `encodeURIComponent` for one path segment (phone and call ids are user/phone data). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
