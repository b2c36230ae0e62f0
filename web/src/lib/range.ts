// The time ranges the dashboard offers, and the bucket size that suits each.
export type Interval = 'hour' | 'day' | 'week' | 'month';

export const RANGES = ['24h', '7d', '30d'] as const;
export type Range = (typeof RANGES)[number];

export function isRange(s: string | null | undefined): s is Range {
  return (RANGES as readonly string[]).includes(s ?? '');
}

export function defaultInterval(range: Range): Interval {
  return range === '30d' ? 'day' : 'hour';
}

/** The browser's time zone, so buckets start at the viewer's midnight. */
export const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;
