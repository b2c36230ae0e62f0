// Takes deleted events back out of the rollups' exact counters (events, pages, referrers, campaigns, revenue,
// breakdowns), inside the deleting transaction. Unique-user HyperLogLog sketches cannot forget one user: they are
// left as they are (docs/privacy.md says so).
import type Database from 'better-sqlite3';
import type { LoggedEvent } from '../../core/event.js';
import { aggregate, type AggregateOptions } from '../../rollups/aggregate.js';
import { BREAKDOWN_MISSING, BREAKDOWN_OTHER } from '../../rollups/store.js';
import { ROLLUP_POSITION_NAME } from './rollup-writer.js';

/** Subtracts what `events` added, for those the rollups had already counted; returns how many that was. */
export function uncount(db: Database.Database, events: readonly LoggedEvent[], opts: AggregateOptions): number {
  const position = Number(db.prepare('SELECT seq FROM rollup_position WHERE name = ?').pluck().get(ROLLUP_POSITION_NAME) ?? 0);
  const counted = events.filter((e) => e.seq <= position).sort((a, b) => a.seq - b.seq);
  if (counted.length === 0) return 0;
  const batch = aggregate(counted, opts);
  const sub = db.prepare('UPDATE rollup_counters SET n = n - ? WHERE metric = ? AND hour = ? AND source = ? AND k1 = ? AND k2 = ? AND k3 = ?');
  const dropEmpty = db.prepare('DELETE FROM rollup_counters WHERE metric = ? AND hour = ? AND source = ? AND k1 = ? AND k2 = ? AND k3 = ? AND n = 0');
  // The daily rows (rollup-writer.ts) hold the same counts per UTC day: long ranges read them, so they lose the
  // events too. Rows that reach exactly zero go, so a deleted value is not listed with a count of 0 (revenue may
  // legitimately be negative: only zero is dropped).
  const keyId = db.prepare('SELECT id FROM rollup_keys WHERE metric = ? AND source = ? AND k1 = ? AND k2 = ? AND k3 = ?').pluck();
  const subDay = db.prepare('UPDATE rollup_counters_daily SET n = n - ? WHERE metric = ? AND day = ? AND key = ?');
  const dropEmptyDay = db.prepare('DELETE FROM rollup_counters_daily WHERE metric = ? AND day = ? AND key = ? AND n = 0');
  const isKept = db.prepare('SELECT 1 FROM rollup_breakdown_values WHERE event = ? AND property = ? AND value = ?').pluck();
  const take = (metric: string, hour: number, source: string, k1: string, k2: string, k3: string, n: number): void => {
    sub.run(n, metric, hour, source, k1, k2, k3);
    dropEmpty.run(metric, hour, source, k1, k2, k3);
    const key = keyId.get(metric, source, k1, k2, k3) as number | undefined;
    if (key !== undefined) {
      subDay.run(n, metric, Math.floor(hour / 24), key);
      dropEmptyDay.run(metric, Math.floor(hour / 24), key);
    }
  };
  for (const c of batch.counters) take(c.metric, c.hour, c.source, c.k1, c.k2, c.k3, c.n);
  for (const b of batch.breakdowns) {
    // The value was counted under itself if it is kept, else under "other" (see rollup-writer.ts).
    const value = b.value === null ? BREAKDOWN_MISSING : isKept.get(b.event, b.property, b.value) !== undefined ? b.value : BREAKDOWN_OTHER;
    take('breakdowns', b.hour, b.source, b.event, b.property, value, b.n);
  }
  return counted.length;
}
