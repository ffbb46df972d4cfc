import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Health } from '../api/types.js';
import { ErrorBox, Field, useAction, useLoad } from './ui.js';

/** Answer of `POST /api/notify/test`. */
interface NotifyTestResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/**
 * Missed-call e-mail: its counters (from `/api/health`) and a "Send test e-mail" button that
 * calls `POST /api/notify/test` (to every recipient, or to the address typed in), so an admin
 * can check the SMTP settings without waiting for a missed call. Hidden when e-mail is off.
 */
export function NotifyTestCard(): JSX.Element | null {
  const health = useLoad((signal) => api<Health>('GET', '/api/health', { signal }), []);
  const send = useAction();
  const [to, setTo] = useState('');
  const [result, setResult] = useState<NotifyTestResult | null>(null);
  const email = health.value?.notify?.email;
  if (email === undefined) return null;
  return (
    <section class="card" aria-labelledby="notify-email" data-testid="notify-email">
      <h2 id="notify-email">Missed-call e-mail</h2>
      <p class="muted small">
        {email.sent} sent, {email.pendingCalls} calls waiting, {email.failed} failed
        {email.lastError !== null ? ` — last error: ${email.lastError}` : ''}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setResult(null);
          const body = to.trim() === '' ? {} : { to: to.trim() };
          void send
            .run(() => api<NotifyTestResult>('POST', '/api/notify/test', { body }))
            .then((r) => {
              if (r !== undefined) setResult(r);
              health.reload();
            });
        }}
      >
        <Field id="notify-to" label="Send to" hint="empty: every configured recipient">
          <input
            id="notify-to"
            type="email"
            value={to}
            placeholder="anna@example.com"
            onInput={(e) => {
              setTo(e.currentTarget.value);
            }}
          />
        </Field>
        <button type="submit" disabled={send.busy}>
          {send.busy ? 'Sending…' : 'Send test e-mail'}
        </button>
      </form>
      <ErrorBox error={send.error} />
      {result !== null ? (
        <p role="status" data-testid="notify-result">
          Sent to {result.accepted.join(', ') || 'nobody'}
          {result.rejected.length > 0 ? `; refused: ${result.rejected.join(', ')}` : ''}.
        </p>
      ) : null}
    </section>
  );
}
