import type { Context } from 'hono';
import type { Call } from '@snomlink/core';
import { ApiError } from '../errors.js';
import type { EventBuffer } from '../events/event-buffer.js';
import { scopedEventBuffer } from '../events/scoped-events.js';
import { canControlLine, canSeeLine, isAdmin } from '../users/principal.js';
import { principalOf } from './principal-auth.js';

/**
 * The scope checks the routes apply for the request's principal (see route-policy for which
 * routes user tokens reach at all). A line the token may not see answers exactly like a line
 * that does not exist, so a user learns nothing about other lines.
 */

/** 404 (as for an unknown phone) unless the request may see line `phoneId`. */
export function requireVisibleLine(c: Context, phoneId: string): void {
  if (!canSeeLine(principalOf(c), phoneId))
    throw new ApiError(
      404,
      'not-found',
      `no phone with id "${phoneId}"; GET /api/phones lists them`,
    );
}

/** 404 when the line is invisible, 403 when it may be seen but not dialled from or controlled. */
export function requireControlledLine(c: Context, phoneId: string): void {
  requireVisibleLine(c, phoneId);
  const principal = principalOf(c);
  if (!canControlLine(principal, phoneId))
    throw new ApiError(
      403,
      'forbidden',
      principal.role === 'viewer'
        ? `a viewer may not dial or control calls; "${principal.name}" only watches line ${phoneId}`
        : `"${principal.name}" may watch line ${phoneId} but not dial from it or control its calls`,
    );
}

/** Whether the request may see line `phoneId` (for filtering lists). */
export function maySeeLine(c: Context, phoneId: string): boolean {
  return canSeeLine(principalOf(c), phoneId);
}

/** The calls of lines the request may see. */
export function visibleCalls<T extends Pick<Call, 'phoneId'>>(
  c: Context,
  calls: readonly T[],
): T[] {
  const principal = principalOf(c);
  return principal.lines === null
    ? [...calls]
    : calls.filter((call) => canSeeLine(principal, call.phoneId));
}

/**
 * The journal filter for the request: `null` = the principal may see nothing that was asked for
 * (answer an empty page), else the phone ids to restrict to (`undefined` = no restriction).
 */
export function journalLines(
  c: Context,
  requestedPhone: string | undefined,
): { readonly phoneIds: readonly string[] | undefined } | null {
  const principal = principalOf(c);
  if (requestedPhone !== undefined)
    return canSeeLine(principal, requestedPhone) ? { phoneIds: undefined } : null;
  if (principal.lines === null) return { phoneIds: undefined };
  return { phoneIds: [...principal.lines] };
}

/** The SSE buffer as the request may read it: all of it for an admin, only its lines otherwise. */
export function eventsFor(c: Context, buffer: EventBuffer): EventBuffer {
  const principal = principalOf(c);
  return isAdmin(principal) || principal.lines === null
    ? buffer
    : scopedEventBuffer(buffer, (phoneId) => canSeeLine(principal, phoneId));
}

/**
 * A phone view as the request may see it: unchanged for an admin; for a user the phone's login
 * name is left out (the password never is in a view).
 */
export function phoneViewFor<T extends { readonly username: string | null }>(
  c: Context,
  view: T,
): T {
  return isAdmin(principalOf(c)) ? view : { ...view, username: null };
}
