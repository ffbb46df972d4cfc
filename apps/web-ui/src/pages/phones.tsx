import type { JSX } from 'preact';
import { seg } from '../api/client.js';
import { HealthBadge } from '../components/health.js';
import { ErrorBox } from '../components/ui.js';
import { Link } from '../router.js';
import { useLive } from '../store.js';

/** All configured phones with a link to edit each, and "Add phone". */
export function PhonesPage(): JSX.Element {
  const live = useLive();
  return (
    <>
      <div class="row between">
        <h1>Phones</h1>
        <Link href="/phones/new" class="button">
          Add phone
        </Link>
      </div>
      <ErrorBox error={live.loadError} />
      {live.phones === null ? (
        <p class="muted">Loading…</p>
      ) : live.phones.length === 0 ? (
        <p>No phones configured yet.</p>
      ) : (
        <div class="card table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Phone</th>
                <th scope="col">Address</th>
                <th scope="col">Model</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {live.phones.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link href={`/phones/${seg(p.id)}`}>{p.name !== '' ? p.name : p.id}</Link>{' '}
                    <span class="muted small">{p.id}</span>
                  </td>
                  <td class="mono">
                    {p.scheme}://{p.host}
                  </td>
                  <td>
                    {p.model} <span class="muted small">({p.capabilities})</span>
                  </td>
                  <td>
                    <HealthBadge health={p.health} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
