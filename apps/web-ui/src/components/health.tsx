import type { JSX } from 'preact';
import type { PhoneView } from '../api/types.js';

const TEXT: Record<PhoneView['health']['status'], [string, string]> = {
  unknown: ['', 'not checked yet'],
  reachable: ['ok', 'reachable'],
  unreachable: ['bad', 'unreachable'],
  'auth-failed': ['bad', 'login refused'],
};

/** A phone's reachability, with the reason as a tooltip and for screen readers. */
export function HealthBadge(props: { health: PhoneView['health'] }): JSX.Element {
  const [cls, text] = TEXT[props.health.status];
  return (
    <span
      class={`badge ${cls}`}
      title={props.health.detail ?? undefined}
      data-testid="phone-health"
    >
      {text}
      {props.health.detail !== null ? <span class="skip"> ({props.health.detail})</span> : null}
    </span>
  );
}
