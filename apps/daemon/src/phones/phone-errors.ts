import { ApiError } from '../errors.js';

interface SnomLikeError {
  name: string;
  message: string;
  code?: unknown;
}

function asSnomError(error: unknown): SnomLikeError | null {
  return error instanceof Error && error.name.startsWith('Snom') ? error : null;
}

/** Health status a failed phone request means. */
export function healthStatusOf(error: unknown): 'unreachable' | 'auth-failed' {
  return asSnomError(error)?.code === 'auth' ? 'auth-failed' : 'unreachable';
}

/** A short reason for a failed phone request, safe to show and log (snom-client redacts). */
export function describePhoneError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Maps a snom-client error to the API's answer: 504 on timeout, 502 when the phone refused,
 * failed or answered an error (auth included: the daemon's credentials are wrong, not the
 * caller's), 422 for a D8xx phone that takes no HTTP commands.
 */
export function toPhoneApiError(phoneId: string, action: string, error: unknown): ApiError {
  const snom = asSnomError(error);
  const reason = describePhoneError(error);
  if (snom === null) {
    return new ApiError(502, 'phone-error', `${action} on phone ${phoneId} failed: ${reason}`, {
      cause: error,
    });
  }
  switch (snom.code) {
    case 'timeout':
      return new ApiError(
        504,
        'phone-timeout',
        `phone ${phoneId} did not answer in time while trying to ${action}: ${reason}`,
        { cause: error },
      );
    case 'auth':
      return new ApiError(
        502,
        'phone-auth-failed',
        `phone ${phoneId} refused our login while trying to ${action}: ${reason}. Check the phone's username, password and auth in the phone settings`,
        { cause: error },
      );
    case 'unsupported-model':
      return new ApiError(422, 'phone-unsupported', `phone ${phoneId}: ${reason}`, {
        cause: error,
      });
    case 'invalid-argument':
      return new ApiError(400, 'invalid-argument', `phone ${phoneId}: ${reason}`, {
        cause: error,
      });
    default:
      return new ApiError(
        502,
        'phone-unreachable',
        `phone ${phoneId} could not ${action}: ${reason}`,
        { cause: error },
      );
  }
}
