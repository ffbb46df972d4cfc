import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Select } from '../components/ui.js';
import { formatTimestamp } from '../lib/format.js';
import { MAX_EVENTS, useLive } from '../store.js';
import type { RawEvent } from '../store.js';

function describe(e: RawEvent): [string, string, string, string] {
  if (e.type === 'line') {
    const d = e.data;
    return [d.phoneId, `line ${d.status}`, 'daemon', d.detail ?? ''];
  }
  const ev = e.data.event;
  const params = Object.entries(ev.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('  ');
  return [ev.phoneId, ev.kind, ev.source, params];
}

/** The last few hundred raw events (the daemon's recent ones, then live), newest first. */
export function EventsPage(): JSX.Element {
  const live = useLive();
  const [phone, setPhone] = useState('');
  const rows = phone === '' ? live.events : live.events.filter((e) => describe(e)[0] === phone);
  return (
    <>
      <h1>Events</h1>
      <p class="small muted">
        Raw Action URL and log-scan events and line status changes, for troubleshooting: the last{' '}
        {MAX_EVENTS} the daemon still has (also from before this tab opened), then live as they
        arrive.
      </p>
      <div class="row">
        <label for="events-phone">Phone</label>
        <Select
          id="events-phone"
          class="fit"
          value={phone}
          options={[['', 'all'], ...(live.phones ?? []).map((p) => [p.id, p.id] as const)]}
          onChange={setPhone}
        />
        <span class="muted small">{rows.length} events</span>
      </div>
      <div class="card table-wrap">
        {rows.length === 0 ? (
          <p class="muted">No events yet. Lift a handset or place a call.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Phone</th>
                <th scope="col">Event</th>
                <th scope="col">Source</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => {
                const [p, kind, source, details] = describe(e);
                return (
                  <tr key={e.id} data-event-id={e.id}>
                    <td class="mono">{formatTimestamp(e.at)}</td>
                    <td class="nowrap">{p}</td>
                    <td class="nowrap">{kind}</td>
                    <td class="nowrap">{source}</td>
                    <td class="mono" style={{ wordBreak: 'break-all' }}>
                      {details}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
