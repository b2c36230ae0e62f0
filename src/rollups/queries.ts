// Answers the query API from the rollup store: series of counts, uniques and revenue per period, and top lists.
// Rows are hourly; periods are runs of hours (periods.ts), so every answer is a sum or a merge of whole hours.
import { HLL_PRECISION, HyperLogLog, standardError } from './hll.js';
import { HOUR_MS, type Period } from './periods.js';
import { type QueryKind, type QueryParams, resolveTimeFrame, type TimeFrame } from './query-params.js';
import { coverHours, type SketchKey, SKETCH_LEVELS } from './sketch-cover.js';
import { BREAKDOWN_MISSING, BREAKDOWN_OTHER, type CounterFilter, type CounterKey, type CounterMetric, REVENUE_SCALE, type RollupStore } from './store.js';

export interface Point {
  t: string;
  value: number;
}

interface Frame {
  interval: string;
  tz: string;
  from: string;
  to: string;
  /** Present (false) when local period edges were rounded to whole hours. */
  exact_edges?: false;
}

export interface SeriesAnswer extends Frame {
  series: Point[];
  total: number;
  previous?: { series: Point[]; total: number };
}

export interface TopAnswer<T> extends Frame {
  items: (T & { count: number; previous?: number })[];
}

function frameOf(f: TimeFrame): Frame {
  const out: Frame = {
    interval: f.interval,
    tz: f.tz,
    from: new Date(f.periods[0]!.from * HOUR_MS).toISOString(),
    to: new Date(f.periods[f.periods.length - 1]!.to * HOUR_MS).toISOString(),
  };
  if (!f.exactEdges) out.exact_edges = false;
  return out;
}

function span(periods: readonly Period[]): { from: number; to: number } {
  return { from: periods[0]!.from, to: periods[periods.length - 1]!.to };
}

/** Sums hourly rows into the periods they fall in. */
async function counterSeries(store: RollupStore, base: Omit<CounterFilter, 'from' | 'to'>, periods: readonly Period[], scale = 1): Promise<{ series: Point[]; total: number }> {
  const { from, to } = span(periods);
  const owner = new Int32Array(to - from);
  periods.forEach((p, i) => owner.fill(i, p.from - from, p.to - from));
  const sums = new Array<number>(periods.length).fill(0);
  for (const row of await store.sumByHour({ ...base, from, to })) sums[owner[row.hour - from]!]! += row.n;
  const series = periods.map((p, i) => ({ t: p.t, value: sums[i]! / scale }));
  return { series, total: sums.reduce((a, b) => a + b, 0) / scale };
}

async function seriesAnswer(store: RollupStore, base: Omit<CounterFilter, 'from' | 'to'>, f: TimeFrame, scale = 1): Promise<SeriesAnswer> {
  const answer: SeriesAnswer = { ...frameOf(f), ...(await counterSeries(store, base, f.periods, scale)) };
  if (f.previous !== null) answer.previous = await counterSeries(store, base, f.previous, scale);
  return answer;
}

function sourceOf(p: { source?: string | undefined }): { source?: string } {
  return p.source === undefined ? {} : { source: p.source };
}

export async function countQuery(store: RollupStore, p: QueryParams<'count'>, now: number): Promise<SeriesAnswer> {
  const base: Omit<CounterFilter, 'from' | 'to'> = { metric: 'events', ...sourceOf(p) };
  if (p.type !== undefined) base.k1 = p.type;
  if (p.event !== undefined) base.k2 = p.event;
  return seriesAnswer(store, base, resolveTimeFrame(p, now));
}

export async function revenueQuery(store: RollupStore, p: QueryParams<'revenue'>, now: number): Promise<SeriesAnswer> {
  const base: Omit<CounterFilter, 'from' | 'to'> = { metric: 'revenue', ...sourceOf(p) };
  if (p.event !== undefined) base.k1 = p.event;
  return seriesAnswer(store, base, resolveTimeFrame(p, now), REVENUE_SCALE);
}

/** Loads the sketches the covers name, in few range reads, grouped by key (one per source). */
async function loadSketches(store: RollupStore, keys: readonly SketchKey[], source: string | undefined): Promise<Map<string, Uint8Array[]>> {
  const out = new Map<string, Uint8Array[]>();
  for (const level of SKETCH_LEVELS) {
    const starts = [...new Set(keys.filter((k) => k.level === level).map((k) => k.start))].sort((a, b) => a - b);
    // Consecutive starts are read as one range; gaps (hours at the edges of local days) start a new read.
    for (let i = 0; i < starts.length; ) {
      let j = i;
      while (j + 1 < starts.length && starts[j + 1] === starts[j]! + 1) j++;
      for (const row of await store.sketches(level, starts[i]!, starts[j]! + 1, source)) {
        const id = `${level}:${row.start}`;
        out.set(id, [...(out.get(id) ?? []), row.sketch]);
      }
      i = j + 1;
    }
  }
  return out;
}

/** The merged sketch of the hours [from, to). */
function unionOf(from: number, to: number, sketches: Map<string, Uint8Array[]>): HyperLogLog {
  const hll = new HyperLogLog(HLL_PRECISION);
  for (const key of coverHours(from, to)) for (const bytes of sketches.get(`${key.level}:${key.start}`) ?? []) hll.mergeBytes(bytes);
  return hll;
}

async function uniquesSeries(store: RollupStore, periods: readonly Period[], source: string | undefined): Promise<{ series: Point[]; total: number }> {
  const sketches = await loadSketches(store, periods.flatMap((p) => coverHours(p.from, p.to)), source);
  // The periods are consecutive and make up the whole range, so the total is the merge of their sketches: no need
  // to read and merge the range's own cover again (merge is idempotent, so the registers are the same).
  const total = new HyperLogLog(HLL_PRECISION);
  const series = periods.map((p) => {
    const hll = unionOf(p.from, p.to, sketches);
    total.merge(hll);
    return { t: p.t, value: Math.round(hll.estimate()) };
  });
  return { series, total: Math.round(total.estimate()) };
}

export async function uniquesQuery(store: RollupStore, p: QueryParams<'uniques'>, now: number): Promise<SeriesAnswer & { standard_error: number }> {
  const f = resolveTimeFrame(p, now);
  const answer: SeriesAnswer & { standard_error: number } = { ...frameOf(f), ...(await uniquesSeries(store, f.periods, p.source)), standard_error: standardError() };
  if (f.previous !== null) answer.previous = await uniquesSeries(store, f.previous, p.source);
  return answer;
}

/** A top list over the range; with compare=previous, each item also gets its count over the previous range. */
async function topItems<T>(
  store: RollupStore,
  metric: CounterMetric,
  p: { source?: string | undefined; limit?: number | undefined },
  f: TimeFrame,
  fallbackLimit: number,
  item: (k: CounterKey) => T,
  narrow: Partial<Pick<CounterFilter, 'k1' | 'k2'>> = {},
): Promise<TopAnswer<T>> {
  const base = { metric, ...sourceOf(p), ...narrow };
  const rows = await store.top({ ...base, ...span(f.periods) }, p.limit ?? fallbackLimit);
  const items: TopAnswer<T>['items'] = rows.map((r) => ({ ...item(r), count: r.n }));
  if (f.previous !== null) {
    const before = await store.sumsOf({ ...base, ...span(f.previous) }, rows);
    const prev = new Map(before.map((r) => [`${r.k1}\u0000${r.k2}\u0000${r.k3}`, r.n]));
    rows.forEach((r, i) => (items[i]!.previous = prev.get(`${r.k1}\u0000${r.k2}\u0000${r.k3}`) ?? 0));
  }
  return { ...frameOf(f), items };
}

export async function topEventsQuery(store: RollupStore, p: QueryParams<'top-events'>, now: number): Promise<TopAnswer<{ name: string; type: string }>> {
  return topItems(store, 'events', p, resolveTimeFrame(p, now), 10, (k) => ({ name: k.k2, type: k.k1 }));
}

export async function topPagesQuery(store: RollupStore, p: QueryParams<'top-pages'>, now: number): Promise<TopAnswer<{ path: string }>> {
  return topItems(store, 'pages', p, resolveTimeFrame(p, now), 10, (k) => ({ path: k.k1 }));
}

export async function topReferrersQuery(store: RollupStore, p: QueryParams<'top-referrers'>, now: number): Promise<TopAnswer<{ host: string }>> {
  return topItems(store, 'referrers', p, resolveTimeFrame(p, now), 10, (k) => ({ host: k.k1 }));
}

export async function campaignsQuery(store: RollupStore, p: QueryParams<'campaigns'>, now: number): Promise<TopAnswer<{ campaign: string }>> {
  return topItems(store, 'campaigns', p, resolveTimeFrame(p, now), 10, (k) => ({ campaign: k.k1 }));
}

export type BreakdownItem = { value: string | null; kind: 'value' | 'other' | 'missing' };

export async function breakdownQuery(store: RollupStore, p: QueryParams<'breakdown'>, now: number): Promise<TopAnswer<BreakdownItem> & { event: string; property: string }> {
  const decode = (k: CounterKey): BreakdownItem =>
    k.k3 === BREAKDOWN_OTHER ? { value: null, kind: 'other' } : k.k3 === BREAKDOWN_MISSING ? { value: null, kind: 'missing' } : { value: k.k3, kind: 'value' };
  const answer = await topItems(store, 'breakdowns', p, resolveTimeFrame(p, now), 100, decode, { k1: p.event, k2: p.property });
  return { ...answer, event: p.event, property: p.property };
}

/** Each query of the API by name; the app registers one route per entry. */
export const QUERIES: { [K in QueryKind]: (store: RollupStore, params: QueryParams<K>, now: number) => Promise<object> } = {
  count: countQuery,
  uniques: uniquesQuery,
  revenue: revenueQuery,
  'top-events': topEventsQuery,
  'top-pages': topPagesQuery,
  'top-referrers': topReferrersQuery,
  campaigns: campaignsQuery,
  breakdown: breakdownQuery,
};
