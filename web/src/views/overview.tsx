// Overview: events per bucket against the previous period, unique users, revenue, and the top events, pages,
// referrers and campaigns of the chosen range. Refreshes itself every 30 seconds.
import { useMemo } from 'preact/hooks';
import type { Items, QueryStatus, SeriesResult, TopEvent, UniquesResult } from '../lib/api.js';
import { formatAmount, formatChange, formatCount } from '../lib/format.js';
import { defaultInterval, isRange, type Range, TZ } from '../lib/range.js';
import { href, navigate } from '../lib/route.js';
import { previousOf, toPoints } from '../lib/series.js';
import { useApi } from '../lib/use-api.js';
import { Panel } from '../components/panel.js';
import { RangePicker } from '../components/range-picker.js';
import { Stat } from '../components/stat.js';
import { TimeChart } from '../components/time-chart.js';
import { TopList } from '../components/top-list.js';

const REFRESH_MS = 30_000;

function eventsNote(change: string | undefined, previous: number | undefined, range: Range): string | undefined {
  if (previous === undefined) return undefined;
  return change === undefined ? `${formatCount(previous)} in the previous ${range}` : `${change} vs the previous ${range}`;
}

export function Overview({ params }: { params: URLSearchParams }) {
  const got = params.get('range');
  const range: Range = isRange(got) ? got : '24h';
  const interval = defaultInterval(range);
  const q = { since: range, interval, tz: TZ };
  const top = { since: range, tz: TZ, limit: 10 };

  const count = useApi<SeriesResult>('/api/v1/query/count', { ...q, compare: 'previous' }, REFRESH_MS);
  const uniques = useApi<UniquesResult>('/api/v1/query/uniques', q, REFRESH_MS);
  const revenue = useApi<SeriesResult>('/api/v1/query/revenue', q, REFRESH_MS);
  const events = useApi<Items<TopEvent>>('/api/v1/query/top-events', top, REFRESH_MS);
  const pages = useApi<Items<{ path: string; count: number }>>('/api/v1/query/top-pages', top, REFRESH_MS);
  const referrers = useApi<Items<{ host: string; count: number }>>('/api/v1/query/top-referrers', top, REFRESH_MS);
  const campaigns = useApi<Items<{ campaign: string; count: number }>>('/api/v1/query/campaigns', top, REFRESH_MS);
  const status = useApi<QueryStatus>('/api/v1/query/status', {}, REFRESH_MS);
  const behind = status.data?.lag ?? (status.data ? status.data.head - status.data.position : 0);

  const points = useMemo(() => toPoints(count.data?.series), [count.data]);
  const previous = useMemo(() => previousOf(count.data), [count.data]);
  const change = count.data === undefined ? undefined : formatChange(count.data.total, previous.total);
  const se = uniques.data?.standard_error;

  return (
    <>
      <div class="toolbar">
        <h1>Overview</h1>
        {behind > 0 && <span class="muted small">counting… {formatCount(behind)} events not in these numbers yet</span>}
        <span class="spacer" />
        <RangePicker value={range} onChange={(r) => navigate('overview', { range: r })} />
      </div>
      <div class="stats">
        <Stat name="events" label="Events" value={count.data && formatCount(count.data.total)} note={eventsNote(change, previous.total, range)} />
        <Stat
          name="uniques"
          label="Unique users"
          value={uniques.data && formatCount(uniques.data.total)}
          note={se === undefined ? undefined : `estimated, ± ${(se * 100).toFixed(1)}%`}
        />
        <Stat name="revenue" label="Revenue" value={revenue.data && formatAmount(revenue.data.total)} note="sum of revenue properties" />
      </div>
      <Panel title={`Events per ${interval}`} error={count.error} loading={count.data === undefined}>
        <TimeChart name="events" label="Events" points={points} previous={previous.points} interval={interval} />
      </Panel>
      <div class="grid2">
        <Panel title="Top events" error={events.error} loading={events.data === undefined}>
          <TopList
            name="events"
            empty="No events yet."
            items={(events.data?.items ?? []).map((e) => ({
              label: e.name || `(unnamed ${e.type})`,
              count: e.count,
              note: e.type === 'track' || e.name === '' ? undefined : e.type,
              href: e.name === '' ? undefined : href('explore', { event: e.name, range }),
            }))}
          />
        </Panel>
        <Panel title="Top pages" error={pages.error} loading={pages.data === undefined}>
          <TopList name="pages" empty="No page views yet." items={(pages.data?.items ?? []).map((p) => ({ label: p.path, count: p.count }))} />
        </Panel>
        <Panel title="Top referrers" error={referrers.error} loading={referrers.data === undefined}>
          <TopList name="referrers" empty="No referrers yet." items={(referrers.data?.items ?? []).map((r) => ({ label: r.host, count: r.count }))} />
        </Panel>
        <Panel title="Campaigns" error={campaigns.error} loading={campaigns.data === undefined}>
          <TopList name="campaigns" empty="No UTM campaigns yet." items={(campaigns.data?.items ?? []).map((c) => ({ label: c.campaign, count: c.count }))} />
        </Panel>
      </div>
    </>
  );
}
