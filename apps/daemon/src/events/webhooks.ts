import type { Call, LinePresenceChange, PresenceField, SnomlinkEvent } from '@snomlink/core';
import type { Webhook, WebhookEvent } from '../api/schemas.js';
import { backoffDelay, newWebhookMessageId, retryAfterMs, signWebhook } from './webhook-signing.js';

/** What a webhook template can refer to. */
export interface WebhookContext {
  readonly event: WebhookEvent;
  readonly phone: string;
  readonly callId: string;
  readonly direction: string;
  readonly state: string;
  /** The far end's number as reported, canonical form, name (the phone's, else the directory's). */
  readonly number: string;
  readonly canonical: string;
  readonly name: string;
  /** The name an office directory gave the far end ('' when none, or not yet). */
  readonly directoryName: string;
}

/** Placeholders a webhook URL may contain. */
export const WEBHOOK_PLACEHOLDERS = [
  'number',
  'canonical',
  'name',
  'directoryName',
  'phone',
  'callId',
  'direction',
  'state',
  'event',
] as const;

/** Replaces `{placeholder}`s in `template` with percent-encoded values; unknown ones stay. */
export function expandWebhookUrl(template: string, context: WebhookContext): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    (WEBHOOK_PLACEHOLDERS as readonly string[]).includes(key)
      ? encodeURIComponent(context[key as keyof WebhookContext])
      : whole,
  );
}

function callContext(event: WebhookEvent, call: Call): WebhookContext {
  const remote = call.direction === 'outbound' ? call.calledId : call.callerId;
  return {
    event,
    phone: call.phoneId,
    callId: call.id,
    direction: call.direction,
    state: call.state,
    number: remote.number ?? '',
    canonical: remote.canonical ?? '',
    // The phone's name, else the directory's (it is on the call once the lookup returned).
    name: remote.displayName ?? remote.directoryName ?? '',
    directoryName: remote.directoryName ?? '',
  };
}

/** The call fields whose change triggers a `call-info` webhook. */
const PARTY_FIELDS = ['callerId', 'calledId', 'connectedId'] as const;

/** Whether a presence group is on after the change (DND on, forwarding on, logged on, registered). */
function presenceFlag(event: LinePresenceChange, field: PresenceField): boolean {
  switch (field) {
    case 'dnd':
      return event.dnd === true;
    case 'forwarding':
      return event.forwarding !== null;
    case 'user':
      return event.presence.loggedOn === true;
    case 'registration':
      return event.registered === true;
  }
}

/** Which webhook event kinds one hub event triggers, with their template context. */
export function webhookEventsFor(
  event: SnomlinkEvent,
): { kind: WebhookEvent; context: WebhookContext }[] {
  const out: { kind: WebhookEvent; context: WebhookContext }[] = [];
  const add = (kind: WebhookEvent, call: Call): void => {
    out.push({ kind, context: callContext(kind, call) });
  };
  switch (event.type) {
    case 'call-state':
      if (event.call.state === 'offering' && event.previousState === null)
        add('call-incoming', event.call);
      else if (event.previousState === null && event.call.direction === 'outbound')
        add('call-outgoing', event.call);
      if (event.call.state === 'connected' && event.previousState !== 'onhold')
        add('call-connected', event.call);
      break;
    case 'call-info':
      // A party of a live call changed: most often the directory's name arriving after the
      // call was announced (the lookup never delays call-incoming), or the number the phone
      // reports once connected. Other changes (the SIP Call-ID) are no news to a receiver.
      if (event.fields.some((field) => (PARTY_FIELDS as readonly string[]).includes(field)))
        add('call-info', event.call);
      break;
    case 'call-finished':
      add('call-finished', event.call);
      if (event.call.missed) add('call-missed', event.call);
      break;
    case 'line-status':
      out.push({
        kind: 'line-status',
        context: {
          event: 'line-status',
          phone: event.phoneId,
          callId: '',
          direction: '',
          state: event.status,
          number: '',
          canonical: '',
          name: '',
          directoryName: '',
        },
      });
      break;
    case 'line-presence':
      out.push({
        kind: 'line-presence',
        context: {
          event: 'line-presence',
          phone: event.phoneId,
          callId: '',
          direction: '',
          // What changed and how, e.g. `dnd-on` or `forwarding-off,user-on`.
          state: event.changed
            .map((field) => `${field}-${presenceFlag(event, field) ? 'on' : 'off'}`)
            .join(','),
          number: event.forwarding?.target ?? '',
          canonical: '',
          name: event.user ?? '',
          directoryName: '',
        },
      });
      break;
    default:
      break;
  }
  return out;
}

/** Options of {@link createWebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** The configured webhooks (read on every event, so config changes apply at once). */
  readonly webhooks: () => readonly Webhook[];
  /** Attempts per delivery. Default 4. */
  readonly attempts?: number;
  /** First retry delay; doubles each time, with jitter (×0.5-1). Default 1000. */
  readonly retryInitialMs?: number;
  /**
   * Longest wait before a retry, also for a receiver's `Retry-After`; a receiver asking for
   * more gets no more retries. Default 300000 (5 min).
   */
  readonly retryMaxMs?: number;
  /** Random source of the retry jitter (tests pin it). Default Math.random. */
  readonly random?: () => number;
  /** Per-request timeout. Default 5000. */
  readonly timeoutMs?: number;
  /** Deliveries queued at most; past that the oldest is dropped. Default 1000. */
  readonly maxQueue?: number;
  /** Deliveries in flight at most. Default 4. */
  readonly concurrency?: number;
  readonly onFailure?: (webhook: Webhook, url: string, error: string) => void;
  readonly fetch?: typeof fetch;
}

/** Sends outgoing webhooks without ever blocking the caller. */
export interface WebhookDispatcher {
  /** Queues the deliveries this hub event triggers; returns at once. */
  handle(event: SnomlinkEvent): void;
  /** Resolves when nothing is queued or in flight (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stops: pending retries are dropped. */
  close(): void;
  readonly stats: { delivered: number; failed: number; dropped: number };
}

interface Delivery {
  webhook: Webhook;
  url: string;
  body: string;
  attempt: number;
  /** `webhook-id`: the same for every attempt of this delivery (receivers de-duplicate by it). */
  messageId: string;
}

/** Why an attempt failed and whether (and when) to try again. */
interface AttemptFailure {
  readonly message: string;
  /** false: the receiver refused for good (4xx other than 408/429). */
  readonly retry: boolean;
  /** The receiver's `Retry-After`, in ms. */
  readonly retryAfterMs: number | null;
}

/**
 * Reads one attempt's answer: 2xx delivered (null); 408, 429 and 5xx are worth a retry (after
 * `Retry-After` when given); any other 4xx (and a 3xx, not followed) is final.
 */
function classify(response: Response): AttemptFailure | null {
  const status = response.status;
  if (status >= 200 && status < 300) return null;
  const retry = status === 408 || status === 429 || status >= 500;
  return {
    message: `answered HTTP ${String(status)}${retry ? '' : ' (not retried)'}`,
    retry,
    retryAfterMs: retry ? retryAfterMs(response.headers.get('retry-after')) : null,
  };
}

/** Creates the webhook dispatcher. */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const attempts = options.attempts ?? 4;
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 300_000;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxQueue = options.maxQueue ?? 1000;
  const concurrency = options.concurrency ?? 4;
  const doFetch = options.fetch ?? fetch;
  const queue: Delivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const stats = { delivered: 0, failed: 0, dropped: 0 };
  let active = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const checkIdle = (): void => {
    if (active === 0 && queue.length === 0 && timers.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const enqueue = (delivery: Delivery): void => {
    if (closed) return;
    queue.push(delivery);
    if (queue.length > maxQueue) {
      queue.shift();
      stats.dropped++;
    }
    pump();
  };

  const retryLater = (delivery: Delivery, failure: AttemptFailure): void => {
    const backoff = backoffDelay(delivery.attempt, retryInitialMs, retryMaxMs, random);
    const delay = failure.retryAfterMs === null ? backoff : Math.max(backoff, failure.retryAfterMs);
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue({ ...delivery, attempt: delivery.attempt + 1 });
      checkIdle();
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  const send = async (delivery: Delivery): Promise<void> => {
    const { webhook } = delivery;
    const signed =
      webhook.secret === undefined
        ? {}
        : signWebhook(
            webhook.secret,
            delivery.messageId,
            webhook.method === 'POST' ? delivery.body : '',
          );
    let failure: AttemptFailure | null;
    try {
      const response = await doFetch(delivery.url, {
        method: webhook.method,
        ...(webhook.method === 'POST'
          ? { body: delivery.body, headers: { 'content-type': 'application/json', ...signed } }
          : { headers: signed }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      await response.body?.cancel();
      failure = classify(response);
    } catch (error) {
      failure = {
        message: error instanceof Error ? error.message : String(error),
        retry: true,
        retryAfterMs: null,
      };
    }
    if (failure === null) {
      stats.delivered++;
      return;
    }
    const tooLong = failure.retryAfterMs !== null && failure.retryAfterMs > retryMaxMs;
    if (failure.retry && !tooLong && delivery.attempt + 1 < attempts && !closed) {
      retryLater(delivery, failure);
      return;
    }
    stats.failed++;
    options.onFailure?.(
      webhook,
      delivery.url,
      tooLong
        ? `${failure.message}; Retry-After is over ${String(retryMaxMs)} ms`
        : failure.message,
    );
  };

  function pump(): void {
    while (active < concurrency && queue.length > 0) {
      const delivery = queue.shift();
      if (delivery === undefined) break;
      active++;
      void send(delivery).finally(() => {
        active--;
        pump();
        checkIdle();
      });
    }
  }

  return {
    handle(event) {
      if (closed) return;
      const hooks = options.webhooks().filter((w) => w.enabled);
      if (hooks.length === 0) return;
      for (const { kind, context } of webhookEventsFor(event)) {
        for (const webhook of hooks) {
          if (webhook.event !== kind) continue;
          enqueue({
            webhook,
            url: expandWebhookUrl(webhook.url, context),
            body: JSON.stringify({ ...context, data: event }),
            attempt: 0,
            messageId: newWebhookMessageId(),
          });
        }
      }
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    close() {
      closed = true;
      queue.length = 0;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      checkIdle();
    },
    stats,
  };
}
