// Numbers and times as the dashboard shows them.
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat();

export function formatCount(n: number): string {
  return Math.abs(n) >= 100_000 ? compact.format(n) : whole.format(Math.round(n));
}

export function formatAmount(n: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(n);
}

/** Bucket times from the API: ISO strings, or epoch milliseconds (or seconds). */
export function toMs(t: string | number): number {
  if (typeof t === 'number') return t < 1e11 ? t * 1000 : t;
  return Date.parse(t);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatAgo(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/** Change against the previous period, e.g. "+12%"; undefined when there is nothing to compare with. */
export function formatChange(current: number, previous: number | undefined): string | undefined {
  if (previous === undefined) return undefined;
  if (previous === 0) return current === 0 ? '±0%' : undefined;
  const pct = Math.round(((current - previous) / previous) * 100);
  return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)}%`;
}
