import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type { LinePresenceView, PhoneView, PresenceUpdateResult } from '../api/types.js';
import { ErrorBox, useAction } from './ui.js';

/** The badges of a line's presence: DND, forwarding (with target), log-on, registration. */
export function PresenceBadges(props: { presence: LinePresenceView }): JSX.Element {
  const p = props.presence;
  return (
    <span class="row small" data-testid="presence">
      {p.dnd === true ? (
        <span class="badge bad" data-testid="dnd-badge" title="Do not disturb is on">
          DND
        </span>
      ) : null}
      {p.forwarding === true ? (
        <span class="badge warn" data-testid="forwarding-badge" title="Calls are forwarded">
          Forwarded{p.forwardingTarget !== null ? ` → ${p.forwardingTarget}` : ''}
        </span>
      ) : null}
      {p.registered === false ? (
        <span class="badge bad" title="The phone's SIP registration failed">
          Registration failed
        </span>
      ) : null}
      {p.loggedOn === true && p.user !== null ? (
        <span class="badge" title="Logged-on user">
          {p.user}
        </span>
      ) : null}
    </span>
  );
}

/** The body of `PUT /api/phones/{id}/presence` as sent (the daemon fills in defaults). */
interface PresenceBody {
  dnd?: boolean;
  forwarding?: { enabled: boolean; mode?: 'always' | 'busy' | 'timeout'; target?: string };
}

/**
 * DND and forwarding of one line: the badges and the switches. A switch writes the phone
 * (`PUT /api/phones/{id}/presence`); the badge changes when the phone confirms with its Action
 * URL (SSE `presence`), so "waiting for the phone" shows until then.
 */
export function PresenceBar(props: { phone: PhoneView }): JSX.Element {
  const { phone } = props;
  const p = phone.presence;
  const action = useAction();
  const [target, setTarget] = useState(p.forwardingTarget ?? '');
  const [pending, setPending] = useState<string | null>(null);
  const send = (body: PresenceBody, label: string): void => {
    void action
      .run(() =>
        api<PresenceUpdateResult>('PUT', `/api/phones/${seg(phone.id)}/presence`, { body }),
      )
      .then((result) => {
        setPending(result === undefined ? null : label);
      });
  };
  const dndOn = p.dnd === true;
  const forwarding = p.forwarding === true;
  const waiting =
    pending !== null &&
    ((pending === 'dnd-on' && !dndOn) ||
      (pending === 'dnd-off' && dndOn) ||
      (pending === 'forward-on' && !forwarding) ||
      (pending === 'forward-off' && forwarding));
  return (
    <div class="row presence" aria-label={`Presence of ${phone.id}`}>
      <PresenceBadges presence={p} />
      <button
        type="button"
        disabled={action.busy}
        aria-pressed={dndOn}
        onClick={() => {
          send({ dnd: !dndOn }, dndOn ? 'dnd-off' : 'dnd-on');
        }}
      >
        {dndOn ? 'Switch DND off' : 'Switch DND on'}
      </button>
      {forwarding ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() => {
            send({ forwarding: { enabled: false } }, 'forward-off');
          }}
        >
          Stop forwarding
        </button>
      ) : (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            send({ forwarding: { enabled: true, mode: 'always', target } }, 'forward-on');
          }}
        >
          <input
            aria-label={`Forward ${phone.id} to`}
            placeholder="forward to"
            size={12}
            value={target}
            onInput={(e) => {
              setTarget(e.currentTarget.value);
            }}
          />
          <button type="submit" disabled={action.busy || target.trim() === ''}>
            Forward
          </button>
        </form>
      )}
      {waiting ? (
        <span class="small muted" data-testid="presence-waiting">
          waiting for the phone…
        </span>
      ) : null}
      <ErrorBox error={action.error} />
    </div>
  );
}
