// Turns the query API's series into chart points, and reads the optional previous period of compare=previous.
import type { Point, SeriesResult } from './api.js';
import { toMs } from './format.js';
import type { ChartPoint } from '../components/time-chart.js';

export function toPoints(series: readonly Point[] | undefined): ChartPoint[] {
  return (series ?? []).map((p) => ({ t: toMs(p.t), value: Number(p.value) || 0 }));
}

export function previousOf(result: SeriesResult | undefined): { total: number | undefined; points: ChartPoint[] | undefined } {
  const prev = result?.previous;
  if (typeof prev === 'number') return { total: prev, points: undefined };
  if (prev === undefined || prev === null) return { total: undefined, points: undefined };
  return { total: prev.total, points: prev.series === undefined ? undefined : toPoints(prev.series) };
}
