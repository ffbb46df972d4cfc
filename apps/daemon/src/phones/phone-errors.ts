import { isSnomAuthError, isSnomClientError, isSnomProtocolError } from '@snomlink/snom-client';
import { ApiError } from '../errors.js';

/**
 * Whether the host answered, but not like a snom phone (snom-client's SnomProtocolError, code
 * `unexpected-response`): usually the wrong host, port or scheme.
 */
export function isNotSnomAnswer(error: unknown): boolean {
  return isSnomProtocolError(error);
}

/**
 * Health status a failed phone request means. A host that answers but not like a snom phone is
 * `unreachable` (core's line statuses have nothing closer): the phone we want is not there.
 */
export function healthStatusOf(error: unknown): 'unreachable' | 'auth-failed' {
  return isSnomAuthError(error) ? 'auth-failed' : 'unreachable';
}

/** A short reason for a failed phone request, safe to show and log (snom-client redacts). */
export function describePhoneError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return isNotSnomAnswer(error) ? `answers, but not like a snom phone: ${message}` : message;
}

/**
 * Maps a snom-client error to the API's answer: 504 on timeout, 502 when the phone refused,
 * failed or answered an error (auth included: the daemon's credentials are wrong, not the
 * caller's) or answered, but not like a snom phone (`phone-not-snom`: wrong host, port or
 * scheme), 422 for a D8xx phone that takes no HTTP commands.
 */
export function toPhoneApiError(phoneId: string, action: string, error: unknown): ApiError {
  const reason = describePhoneError(error);
  if (!isSnomClientError(error)) {
    return new ApiError(502, 'phone-error', `${action} on phone ${phoneId} failed: ${reason}`, {
      cause: error,
    });
  }
  switch (error.code) {
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
    case 'unexpected-response':
      return new ApiError(
        502,
        'phone-not-snom',
        `phone ${phoneId} could not ${action}: it ${reason}`,
        { cause: error },
      );
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
