// Text output for query answers: aligned tables, a unicode sparkline of a series, and bars for top lists.
const SPARKS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest; all zero draws a flat line. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => SPARKS[max <= 0 || v <= 0 ? 0 : Math.max(0, Math.min(7, Math.round((v / max) * 7)))]).join('');
}

/** A bar of up to `width` full blocks, with eighth blocks for the remainder. */
export function bar(value: number, max: number, width = 24): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 === 0 ? '' : '▏▎▍▌▋▊▉'[(eighths % 8) - 1]!);
}

/** Columns padded to their widest cell; columns listed in `right` are right-aligned (numbers). */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) => r.map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** `2024-03-10T05:00:00-05:00` → `2024-03-10 05:00` (hour), `2024-03-10` (day, week), `2024-03` (month). */
export function periodLabel(t: string, interval: string): string {
  const date = t.slice(0, 10);
  if (interval === 'hour') return `${date} ${t.slice(11, 16)}`;
  if (interval === 'month') return t.slice(0, 7);
  return interval === 'week' ? `${date} (week)` : date;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** `+25.0%`, `-3.1%`, or `new` when the previous value was 0. */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new';
  const pct = ((now - before) / before) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}
