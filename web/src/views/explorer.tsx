// Event explorer: one event (or all) over time at the chosen interval, optionally broken down by a property.
// Its state lives in the URL hash, so a view can be shared or reloaded.
import { useMemo, useState } from 'preact/hooks';
import type { BreakdownItem, Items, SeriesResult, TopEvent } from '../lib/api.js';
import { formatCount } from '../lib/format.js';
import { defaultInterval, type Interval, isRange, type Range, TZ } from '../lib/range.js';
import { navigate } from '../lib/route.js';
import { toPoints } from '../lib/series.js';
import { useApi } from '../lib/use-api.js';
import { Panel } from '../components/panel.js';
import { RangePicker } from '../components/range-picker.js';
import { TimeChart } from '../components/time-chart.js';
import { TopList } from '../components/top-list.js';

const INTERVALS: Interval[] = ['hour', 'day', 'week', 'month'];

function breakdownLabel(b: BreakdownItem): string {
  if (b.kind === 'other') return '(other values)';
  if (b.kind === 'missing' || b.value === null) return '(not set)';
  return b.value;
}

export function Explorer({ params }: { params: URLSearchParams }) {
  const got = params.get('range');
  const range: Range = isRange(got) ? got : '7d';
  const event = params.get('event') ?? '';
  const property = params.get('property') ?? '';
  const wanted = params.get('interval');
  const interval: Interval = INTERVALS.includes(wanted as Interval) ? (wanted as Interval) : defaultInterval(range);
  const [draft, setDraft] = useState(property);

  const state = { range, event, interval, property };
  const go = (change: Partial<typeof state>): void => navigate('explore', { ...state, ...change }, true);

  const names = useApi<Items<TopEvent>>('/api/v1/query/top-events', { since: range, tz: TZ, limit: 100 });
  const count = useApi<SeriesResult>('/api/v1/query/count', { since: range, interval, tz: TZ, event: event || undefined });
  // Breakdowns are counted per (event, property) pair listed under rollups.breakdowns, so both are needed.
  const breakdown = useApi<Items<BreakdownItem>>(property === '' || event === '' ? null : '/api/v1/query/breakdown', {
    since: range,
    tz: TZ,
    event: event || undefined,
    property,
  });
  const points = useMemo(() => toPoints(count.data?.series), [count.data]);
  // The chosen event stays selectable even when it is not among the top 100 of this range.
  const options = [...new Set([...(names.data?.items ?? []).filter((e) => e.name !== '').map((e) => e.name), ...(event === '' ? [] : [event])])];

  return (
    <>
      <div class="toolbar">
        <h1>Explore</h1>
        <RangePicker value={range} onChange={(r) => go({ range: r, interval: defaultInterval(r) })} />
      </div>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          go({ property: draft.trim() });
        }}
      >
        <label>
          Event
          <select value={event} onChange={(e) => go({ event: e.currentTarget.value })}>
            <option value="">All events</option>
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Interval
          <select value={interval} onChange={(e) => go({ interval: e.currentTarget.value as Interval })}>
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
        <label>
          Break down by property
          <input type="text" placeholder="e.g. plan" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Panel
        title={`${event === '' ? 'All events' : event} per ${interval}`}
        actions={count.data && <span class="muted">{formatCount(count.data.total)} in {range}</span>}
        error={count.error}
        loading={count.data === undefined}
      >
        <TimeChart name="explore" label={event || 'Events'} points={points} interval={interval} />
      </Panel>
      {property !== '' && (
        <Panel title={`${event || 'All events'} by ${property}`} error={breakdown.error} loading={event !== '' && breakdown.data === undefined}>
          {event === '' ? (
            <p class="muted">Pick an event to break it down.</p>
          ) : (
            <TopList
              name="breakdown"
              empty={`No values. Breakdowns are counted for the pairs listed under rollups.breakdowns in sluice.yaml; is (${event}, ${property}) one of them?`}
              items={(breakdown.data?.items ?? []).map((b) => ({ label: breakdownLabel(b), count: b.count }))}
            />
          )}
        </Panel>
      )}
    </>
  );
}
