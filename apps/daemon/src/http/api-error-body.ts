import type { Context } from 'hono';
import type { ErrorBody } from '../api/schemas.js';

/** Answers `{ error, detail }` with `status`: the one error shape of the admin API. */
export function jsonError(c: Context, status: number, error: string, detail: string): Response {
  const body: ErrorBody = { error, detail };
  return c.json(body, status as 400);
}
