import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';

/** Bytes of a generated webhook secret (Standard Webhooks asks for 24-64). */
const SECRET_BYTES = 32;

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** A new `webhook-id` (`msg_…`); one per event, kept across that delivery's retries. */
export function newWebhookMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/**
 * The Standard Webhooks headers of one delivery attempt: `webhook-id`, `webhook-timestamp`
 * (seconds, now) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`),
 * made with the `standardwebhooks` library so any receiver library verifies them.
 */
export function signWebhook(
  secret: string,
  messageId: string,
  body: string,
  now: Date = new Date(),
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const signature = new StandardWebhook(secret).sign(messageId, now, body);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/**
 * Milliseconds to wait before retry `attempt` (0 = the first retry): exponential from
 * `initialMs`, capped at `maxMs`, then scaled by a random factor in [0.5, 1) so that many
 * receivers failing at once are not retried in lock-step.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base * (0.5 + random() * 0.5));
}

/**
 * The delay a `Retry-After` header asks for, in ms: seconds or an HTTP date; null when absent
 * or unreadable.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
