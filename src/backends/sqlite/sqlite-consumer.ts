// A consumer of the SQLite log: reads through a read connection of its thread (the main thread's, or the counting
// thread's: WAL readers never block the writer) and writes its cursor, retries and dead letters through the writer,
// in the same group commits as appends.
import type Database from 'better-sqlite3';
import type { LoggedEvent } from '../../core/event.js';
import { CursorTracker } from '../../log/cursor-tracker.js';
import type { Consumer, DeadLetter, Delivery, ReadOptions } from '../../log/log.js';
import type { Wakeup } from '../../log/wakeup.js';
import { type EventCounts, eventCounts } from './event-holes.js';
import type { WriterClient } from './writer-client.js';

type EventRow = { seq: number; source: string; message_id: string; type: string; received_at: number; body: string };
/** The columns of EventRow in that order, as a raw statement returns them. */
type RawEventRow = [seq: number, source: string, message_id: string, type: string, received_at: number, body: string];

export function toLoggedEvent(r: EventRow): LoggedEvent {
  return { seq: r.seq, source: r.source, messageId: r.message_id, type: r.type, receivedAt: r.received_at, body: r.body };
}

export class SqliteConsumer implements Consumer {
  private readonly tracker: CursorTracker;
  /** Retry deliveries out now: their seq is below the cursor, so they are tracked apart. */
  private readonly retriesOut = new Set<number>();
  /**
   * Retry deliveries settled whose row is not yet deleted or rewritten on disk. Until that write commits, the old
   * row still looks due, and reading it again would deliver the event twice.
   */
  private readonly retriesSettling = new Set<number>();
  private readonly st;
  private readonly counts: EventCounts;

  constructor(
    readonly name: string,
    cursor: number,
    db: Database.Database,
    private readonly writer: Pick<WriterClient, 'submit'>,
    private readonly wakeup: Pick<Wakeup, 'wait' | 'notify'>,
    private readonly isOpen: () => boolean,
  ) {
    this.tracker = new CursorTracker(cursor);
    this.counts = eventCounts(db);
    this.st = {
      // Rows as arrays (raw), each made into a LoggedEvent by a literal: better-sqlite3 builds a row object key by key,
      // which measured ~0.8 µs per event more than an array plus a literal of one fixed shape (this read feeds every
      // destination, so it runs for every event delivered).
      next: db.prepare('SELECT seq, source, message_id, type, received_at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?').raw(),
      due: db.prepare(
        `SELECT e.seq, e.source, e.message_id, e.type, e.received_at, e.body, r.attempt, r.first_at FROM retries r
         JOIN events e ON e.seq = r.seq WHERE r.consumer = ? AND r.due_at <= ? ORDER BY r.due_at, r.seq LIMIT ?`,
      ),
      // Retries not yet due: a due one is either read at once or already out, and is not waited for.
      nextDue: db.prepare('SELECT MIN(due_at) FROM retries WHERE consumer = ? AND due_at > ?').pluck(),
      dead: db.prepare('SELECT * FROM dead_letters WHERE consumer = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      // Kept by triggers (schema.ts): a COUNT(*) here walked every row of a failing destination's.
      deadCount: db.prepare("SELECT COALESCE((SELECT n FROM consumer_counts WHERE consumer = ? AND what = 'dead'), 0)").pluck(),
      retrying: db.prepare("SELECT COALESCE((SELECT n FROM consumer_counts WHERE consumer = ? AND what = 'retry'), 0)").pluck(),
    };
  }

  async read(max: number, opts: ReadOptions = {}): Promise<Delivery[]> {
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (;;) {
      // A read still waiting when the log closes ends empty, as it would on a timeout.
      if (!this.isOpen()) return [];
      const got = this.readNow(max);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || opts.signal?.aborted) return got;
      const nextDue = this.st.nextDue.get(this.name, Date.now()) as number | null;
      const untilDue = nextDue === null ? left : Math.max(1, nextDue - Date.now());
      await this.wakeup.wait(Math.min(left, untilDue), opts.signal);
    }
  }

  private readNow(max: number): Delivery[] {
    const out: Delivery[] = [];
    // The retries out now are among the due rows and skipped: fetch enough to still find `max` others.
    const due = this.st.due.all(this.name, Date.now(), max + this.retriesOut.size + this.retriesSettling.size) as (EventRow & { attempt: number; first_at: number | null })[];
    for (const r of due) {
      if (out.length >= max) break;
      if (this.retriesOut.has(r.seq) || this.retriesSettling.has(r.seq)) continue;
      this.retriesOut.add(r.seq);
      const d: Delivery = { event: toLoggedEvent(r), attempt: r.attempt };
      if (r.first_at !== null) d.firstRetryAt = r.first_at;
      out.push(d);
    }
    if (out.length < max) {
      const rows = this.st.next.all(this.tracker.readPos, max - out.length) as RawEventRow[];
      for (const r of rows) {
        const event: LoggedEvent = { seq: r[0], source: r[1], messageId: r[2], type: r[3], receivedAt: r[4], body: r[5] };
        this.tracker.handOut(event.seq);
        out.push({ event, attempt: 1 });
      }
    }
    return out;
  }

  /** Settles one delivery, queuing a retry row's removal if it was a retry; returns true when the cursor moved. */
  private settle(d: Delivery, ops: Promise<unknown>[]): boolean {
    const seq = d.event.seq;
    if (this.retriesOut.delete(seq)) {
      ops.push(this.whileSettling(seq, this.writer.submit({ k: 'settleRetry', consumer: this.name, seq })));
      return false;
    }
    return this.tracker.settle(seq);
  }

  /** One cursor write for however many deliveries a call settled (not one per event). */
  private writeCursor(ops: Promise<unknown>[]): void {
    ops.push(this.writer.submit({ k: 'cursor', consumer: this.name, seq: this.tracker.cursor }));
  }

  private whileSettling<T>(seq: number, write: Promise<T>): Promise<T> {
    this.retriesSettling.add(seq);
    return write.finally(() => this.retriesSettling.delete(seq));
  }

  async ack(deliveries: readonly Delivery[]): Promise<void> {
    const ops: Promise<unknown>[] = [];
    let moved = false;
    for (const d of deliveries) if (this.settle(d, ops)) moved = true;
    if (moved) this.writeCursor(ops);
    await Promise.all(ops);
  }

  async retry(d: Delivery, delayMs: number): Promise<void> {
    const seq = d.event.seq;
    // The retry row is written before the cursor moves past it (same or earlier group), so a crash cannot lose it.
    const write = this.writer.submit({ k: 'retry', consumer: this.name, seq, dueAt: Date.now() + delayMs, attempt: d.attempt + 1, firstAt: d.firstRetryAt ?? Date.now() });
    const ops: Promise<unknown>[] = [];
    if (this.retriesOut.delete(seq)) {
      // Still a retry: its row is being rewritten with the new due time.
      ops.push(this.whileSettling(seq, write));
    } else {
      ops.push(write);
      if (this.tracker.settle(seq)) ops.push(this.writer.submit({ k: 'cursor', consumer: this.name, seq: this.tracker.cursor }));
    }
    await Promise.all(ops);
    if (delayMs <= 0) this.wakeup.notify();
  }

  async deadLetter(d: Delivery, reason: string, detail?: Record<string, unknown>): Promise<void> {
    const ops: Promise<unknown>[] = [
      this.writer.submit({
        k: 'dead',
        consumer: this.name,
        event: d.event,
        reason,
        attempt: d.attempt,
        at: Date.now(),
        detail: detail === undefined ? null : JSON.stringify(detail),
      }),
    ];
    if (this.settle(d, ops)) this.writeCursor(ops);
    await Promise.all(ops);
  }

  async deadLetters(limit = 100, beforeId = Number.MAX_SAFE_INTEGER): Promise<DeadLetter[]> {
    const rows = this.st.dead.all(this.name, beforeId, limit) as (EventRow & {
      id: number;
      consumer: string;
      reason: string;
      attempt: number;
      at: number;
      detail: string | null;
    })[];
    return rows.map((r) => ({
      id: r.id,
      consumer: r.consumer,
      event: toLoggedEvent(r),
      reason: r.reason,
      attempt: r.attempt,
      at: r.at,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    }));
  }

  async removeDeadLetters(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.writer.submit({ k: 'removeDead', consumer: this.name, ids })) as number;
  }

  async deadLetterCount(): Promise<number> {
    return Number(this.st.deadCount.get(this.name));
  }

  async retrying(): Promise<number> {
    return Number(this.st.retrying.get(this.name));
  }

  async seek(afterSeq: number): Promise<void> {
    this.tracker.reset(afterSeq);
    await this.writer.submit({ k: 'cursor', consumer: this.name, seq: afterSeq });
    this.wakeup.notify();
  }

  position(): number {
    return this.tracker.cursor;
  }

  async lag(): Promise<number> {
    return this.counts.after(this.tracker.cursor);
  }
}
