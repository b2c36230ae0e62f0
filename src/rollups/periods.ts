// Turns hourly UTC buckets into the periods a query asks for: hours, or local days, weeks (Monday first) and months
// in an IANA zone. Each hourly bucket belongs to the local period that holds its midpoint: exact for every zone
// whose offset is whole hours (DST included), and off by at most 30 minutes at period edges for zones like
// Asia/Kolkata (+05:30) or Asia/Kathmandu (+05:45). Rows stay hourly; see docs/rollups.md.
import { formatLocal, type TimeZone } from './time-zone.js';

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A run of hourly buckets [from, to) (hours since the epoch) and its start as local time with offset. */
export interface Period {
  from: number;
  to: number;
  t: string;
}

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** Identifies the period an hourly bucket falls in; consecutive buckets with the same label form one period. */
export function periodLabel(hour: number, interval: Interval, zone: TimeZone): number {
  if (interval === 'hour') return hour;
  const mid = hour * HOUR_MS + HOUR_MS / 2;
  const wall = mid + zone.offsetMinutes(mid) * MINUTE_MS;
  const day = Math.floor(wall / DAY_MS);
  if (interval === 'day') return day;
  // 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday (ISO 8601).
  if (interval === 'week') return Math.floor((day + 3) / 7);
  const d = new Date(wall);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function startWall(label: number, interval: Exclude<Interval, 'hour'>): number {
  if (interval === 'day') return label * DAY_MS;
  if (interval === 'week') return (label * 7 - 3) * DAY_MS;
  return Date.UTC(Math.floor(label / 12), label % 12, 1);
}

function period(from: number, to: number, label: number, interval: Interval, zone: TimeZone): Period {
  if (interval === 'hour') {
    const instant = from * HOUR_MS;
    const offset = zone.offsetMinutes(instant);
    return { from, to, t: formatLocal(instant + offset * MINUTE_MS, offset) };
  }
  return { from, to, t: formatLocal(startWall(label, interval), zone.offsetMinutes(from * HOUR_MS + HOUR_MS / 2)) };
}

/** Every period that overlaps [sinceMs, untilMs), whole: a range is widened to the edges of its first and last period. */
export function periodsCovering(sinceMs: number, untilMs: number, interval: Interval, zone: TimeZone): Period[] {
  let first = hourOf(sinceMs);
  let last = hourOf(untilMs - 1);
  const firstLabel = periodLabel(first, interval, zone);
  while (periodLabel(first - 1, interval, zone) === firstLabel) first--;
  const lastLabel = periodLabel(last, interval, zone);
  while (periodLabel(last + 1, interval, zone) === lastLabel) last++;
  const out: Period[] = [];
  let start = first;
  let label = firstLabel;
  for (let h = first + 1; h <= last + 1; h++) {
    const next = h > last ? NaN : periodLabel(h, interval, zone);
    if (next === label) continue;
    out.push(period(start, h, label, interval, zone));
    start = h;
    label = next;
  }
  return out;
}

/** The `count` whole periods just before the hour `beforeHour` (for compare=previous), oldest first. */
export function periodsBefore(beforeHour: number, count: number, interval: Interval, zone: TimeZone): Period[] {
  const out: Period[] = [];
  let end = beforeHour;
  for (let i = 0; i < count; i++) {
    let start = end - 1;
    const label = periodLabel(start, interval, zone);
    while (periodLabel(start - 1, interval, zone) === label) start--;
    out.push(period(start, end, label, interval, zone));
    end = start;
  }
  return out.reverse();
}

/** False when some local period edge in [fromHour, toHour) cannot fall on an hour: the zone's offset is not whole hours. */
export function edgesAreExact(fromHour: number, toHour: number, interval: Interval, zone: TimeZone): boolean {
  if (interval === 'hour') return true;
  for (let h = fromHour; h < toHour; h += 24) if (zone.offsetMinutes(h * HOUR_MS) % 60 !== 0) return false;
  return zone.offsetMinutes(Math.max(fromHour, toHour - 1) * HOUR_MS) % 60 === 0;
}
