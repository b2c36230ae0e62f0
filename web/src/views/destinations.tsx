// Destinations: each one's delivery state from the admin API, refreshed every 5 seconds.
import type { DestinationStatus, DestinationsResult } from '../lib/api.js';
import { formatAgo, formatCount } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';
import { Panel } from '../components/panel.js';

function state(d: DestinationStatus): { label: string; tone: string } {
  if (d.paused) return { label: 'paused', tone: 'warn' };
  if (d.retrying > 0) return { label: 'retrying', tone: 'warn' };
  if (d.lastError !== null && Date.now() - d.lastError.at < 5 * 60_000) return { label: 'failing', tone: 'bad' };
  return { label: d.lag > 0 ? 'catching up' : 'up to date', tone: 'good' };
}

export function Destinations() {
  const { data, error } = useApi<DestinationsResult>('/api/v1/destinations', {}, 5000);
  return (
    <>
      <div class="toolbar">
        <h1>Destinations</h1>
        {data && <span class="muted">log head #{formatCount(data.head)}</span>}
      </div>
      <Panel title="Delivery" error={error} loading={data === undefined}>
        {data?.destinations.length === 0 ? (
          <p class="muted">No destinations configured. Add some under destinations: in sluice.yaml (see docs/destinations.md).</p>
        ) : (
          <table class="table" data-table="destinations">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th class="num">Lag</th>
                <th class="num">In flight</th>
                <th class="num">Retrying</th>
                <th class="num">Dead letters</th>
                <th class="num">Delivered</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {data?.destinations.map((d) => {
                const s = state(d);
                return (
                  <tr key={d.name} data-destination={d.name}>
                    <td>
                      <strong>{d.name}</strong>
                      <div class="muted small">{d.type}</div>
                    </td>
                    <td>
                      <span class={`tag tag-${s.tone}`}>{s.label}</span>
                    </td>
                    <td class="num">{formatCount(d.lag)}</td>
                    <td class="num">{formatCount(d.inFlight)}</td>
                    <td class="num">{formatCount(d.retrying)}</td>
                    <td class={`num ${d.deadLetters > 0 ? 'bad' : ''}`}>{formatCount(d.deadLetters)}</td>
                    <td class="num">{formatCount(d.delivered)}</td>
                    <td class="wrap small" title={d.lastError?.reason ?? ''}>
                      {d.lastError === null ? <span class="muted">none</span> : `${formatAgo(d.lastError.at)}: ${d.lastError.reason}`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
