// How many events the log holds, and how many lie past a position, without counting rows. COUNT(*) over `events`
// reads every page of the table: ~100 ms for 500,000 events on the thread that answers HTTP requests, seconds for
// millions, and the dashboard asks for it (through /api/v1/query/status) every 30 s. Positions are consecutive
// (AUTOINCREMENT; a rolled-back group takes its numbers back), and rows leave only from the front (retention) or one
// by one when a person is deleted (privacy). Those single deletions are recorded in `event_holes`, so a count is
// the span of positions minus the holes in it: a few index lookups.
import type Database from 'better-sqlite3';

export const EVENT_HOLES_SCHEMA = 'CREATE TABLE IF NOT EXISTS event_holes (seq INTEGER PRIMARY KEY)';

/**
 * Migration for a store from before: every gap already in `events`, and the positions deleted past its last row (up
 * to the last position ever given, in sqlite_sequence).
 */
export const EVENT_HOLES_BACKFILL = `
  ${EVENT_HOLES_SCHEMA};
  WITH RECURSIVE
    rows_next AS (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next FROM events),
    tail AS (SELECT COALESCE((SELECT MAX(seq) FROM events), 0) AS last, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS head),
    gaps (s, e) AS (
      SELECT seq + 1, next - 1 FROM rows_next WHERE next > seq + 1
      UNION ALL SELECT last + 1, head FROM tail WHERE head > last AND last > 0
    ),
    holes (seq, e) AS (SELECT s, e FROM gaps UNION ALL SELECT seq + 1, e FROM holes WHERE seq < e)
  INSERT OR IGNORE INTO event_holes (seq) SELECT seq FROM holes;
`;

/**
 * Deletes one event from among the others (a person's, on request) with its retry row, and records the hole; returns
 * whether the log held it. The one way the writer deletes anything but the front of the log.
 */
export function eventDeleter(db: Database.Database): (seq: number) => boolean {
  const st = {
    event: db.prepare('DELETE FROM events WHERE seq = ?'),
    retries: db.prepare('DELETE FROM retries WHERE seq = ?'),
    hole: db.prepare('INSERT OR IGNORE INTO event_holes (seq) VALUES (?)'),
  };
  return (seq) => {
    st.retries.run(seq);
    if (st.event.run(seq).changes === 0) return false;
    st.hole.run(seq);
    return true;
  };
}

/** Forgets the holes below a bound, with the rows retention pruned there. */
export function pruneHoles(db: Database.Database, bound: number): void {
  db.prepare('DELETE FROM event_holes WHERE seq < ?').run(bound);
}

export interface EventCounts {
  /** The last position ever given (it does not go back when retention empties the table). */
  head(): number;
  /** Events the log holds. */
  total(): number;
  /** Events the log holds past `seq`. */
  after(seq: number): number;
}

export function eventCounts(db: Database.Database): EventCounts {
  const st = {
    head: db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)").pluck(),
    first: db.prepare('SELECT MIN(seq) FROM events').pluck(),
    holesAfter: db.prepare('SELECT COUNT(*) FROM event_holes WHERE seq > ? AND seq <= ?').pluck(),
  };
  const head = (): number => Number(st.head.get());
  function after(seq: number): number {
    const last = head();
    const first = (st.first.get() as number | null) ?? last + 1;
    const from = Math.max(seq, first - 1);
    if (from >= last) return 0;
    return last - from - Number(st.holesAfter.get(from, last));
  }
  return { head, total: () => after(0), after };
}
