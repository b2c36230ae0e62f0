// An in-memory Log for unit tests of consumers. Same contract as the durable backends, minus durability.
import { namesPerson, type PersonIds } from '../core/names-person.js';
import type { LogRecord, LoggedEvent } from '../core/event.js';
import { CursorTracker } from './cursor-tracker.js';
import type { AppendResult, Consumer, ConsumerOptions, DeadLetter, Delivery, Log, LogSettings, LogStats, ReadOptions } from './log.js';
import { Wakeup } from './wakeup.js';

interface Retry {
  seq: number;
  dueAt: number;
  attempt: number;
  firstAt: number;
}

class MemoryConsumer implements Consumer {
  private readonly tracker: CursorTracker;
  private readonly retries = new Map<number, Retry>();
  private readonly retriesOut = new Set<number>();
  readonly dead: DeadLetter[] = [];
  private nextDeadId = 1;

  constructor(
    readonly name: string,
    cursor: number,
    private readonly log: MemoryLog,
  ) {
    this.tracker = new CursorTracker(cursor);
  }

  get cursor(): number {
    return this.tracker.cursor;
  }

  minRetrySeq(): number {
    let min = Infinity;
    for (const r of this.retries.values()) min = Math.min(min, r.seq);
    return min;
  }

  async read(max: number, opts: ReadOptions = {}): Promise<Delivery[]> {
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (;;) {
      if (this.log.closed) return [];
      const out: Delivery[] = [];
      const now = Date.now();
      const due = [...this.retries.values()].filter((r) => r.dueAt <= now && !this.retriesOut.has(r.seq));
      due.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
      for (const r of due.slice(0, max)) {
        const event = this.log.get(r.seq);
        if (!event) continue;
        this.retriesOut.add(r.seq);
        out.push({ event, attempt: r.attempt, firstRetryAt: r.firstAt });
      }
      for (const event of this.log.after(this.tracker.readPos, max - out.length)) {
        this.tracker.handOut(event.seq);
        out.push({ event, attempt: 1 });
      }
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || opts.signal?.aborted) return out;
      let untilDue = left;
      for (const r of this.retries.values()) {
        // A retry out now is not waited for: counting it (it is already due) would turn the wait into a 1 ms poll.
        if (!this.retriesOut.has(r.seq)) untilDue = Math.min(untilDue, Math.max(1, r.dueAt - Date.now()));
      }
      await this.log.wakeup.wait(untilDue, opts.signal);
    }
  }

  private settle(d: Delivery): void {
    if (this.retriesOut.delete(d.event.seq)) this.retries.delete(d.event.seq);
    else this.tracker.settle(d.event.seq);
  }

  async ack(deliveries: readonly Delivery[]): Promise<void> {
    for (const d of deliveries) this.settle(d);
  }

  async retry(d: Delivery, delayMs: number): Promise<void> {
    const seq = d.event.seq;
    this.retries.set(seq, { seq, dueAt: Date.now() + delayMs, attempt: d.attempt + 1, firstAt: d.firstRetryAt ?? Date.now() });
    if (!this.retriesOut.delete(seq)) this.tracker.settle(seq);
    if (delayMs <= 0) this.log.wakeup.notify();
  }

  async deadLetter(d: Delivery, reason: string, detail?: Record<string, unknown>): Promise<void> {
    this.dead.push({ id: this.nextDeadId++, consumer: this.name, event: d.event, reason, attempt: d.attempt, at: Date.now(), detail: detail ?? null });
    this.settle(d);
  }

  async deadLetters(limit = 100, beforeId = Number.MAX_SAFE_INTEGER): Promise<DeadLetter[]> {
    return this.dead.filter((x) => x.id < beforeId).slice(-limit).reverse();
  }

  async removeDeadLetters(ids: readonly number[]): Promise<number> {
    const remove = new Set(ids);
    const before = this.dead.length;
    const kept = this.dead.filter((x) => !remove.has(x.id));
    this.dead.length = 0;
    this.dead.push(...kept);
    return before - kept.length;
  }

  async deadLetterCount(): Promise<number> {
    return this.dead.length;
  }

  async retrying(): Promise<number> {
    return this.retries.size;
  }

  async seek(afterSeq: number): Promise<void> {
    this.tracker.reset(afterSeq);
    this.log.wakeup.notify();
  }

  position(): number {
    return this.tracker.cursor;
  }

  async lag(): Promise<number> {
    return this.log.after(this.tracker.cursor, Infinity).length;
  }
}

export class MemoryLog implements Log {
  private events: LoggedEvent[] = [];
  private nextSeq = 1;
  private readonly seen = new Map<string, number>();
  private readonly consumers = new Map<string, MemoryConsumer>();
  readonly wakeup = new Wakeup();
  closed = false;

  constructor(private readonly settings: LogSettings) {}

  get(seq: number): LoggedEvent | undefined {
    return this.events.find((e) => e.seq === seq);
  }

  after(seq: number, limit: number): LoggedEvent[] {
    const out: LoggedEvent[] = [];
    for (const e of this.events) {
      if (out.length >= limit) break;
      if (e.seq > seq) out.push(e);
    }
    return out;
  }

  async append(records: readonly LogRecord[]): Promise<AppendResult> {
    const now = Date.now();
    const seqs = records.map((r) => {
      const key = `${r.source}\u0000${r.messageId}`;
      const at = this.seen.get(key);
      if (at !== undefined && now - at < this.settings.dedupe_window_ms) return null;
      this.seen.set(key, now);
      const seq = this.nextSeq++;
      this.events.push({ ...r, seq });
      return seq;
    });
    const stored = seqs.filter((s) => s !== null).length;
    if (stored > 0) this.wakeup.notify();
    return { seqs, stored, duplicates: seqs.length - stored };
  }

  async consumer(name: string, opts: ConsumerOptions = {}): Promise<Consumer> {
    let c = this.consumers.get(name);
    if (!c) {
      c = new MemoryConsumer(name, opts.startAt === 'now' ? this.nextSeq - 1 : 0, this);
      this.consumers.set(name, c);
    }
    return c;
  }

  async positionAt(time: number): Promise<number> {
    const first = this.events.find((e) => e.receivedAt >= time);
    return first === undefined ? this.nextSeq - 1 : first.seq - 1;
  }

  async scan(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    return this.after(afterSeq, limit);
  }

  async eventsAt(seqs: readonly number[]): Promise<LoggedEvent[]> {
    const bySeq = new Map(this.events.map((e) => [e.seq, e]));
    return seqs.map((s) => bySeq.get(s)).filter((e) => e !== undefined);
  }

  async deleteEvents(seqs: readonly number[]): Promise<number> {
    const gone = new Set(seqs);
    const before = this.events.length;
    this.events = this.events.filter((e) => !gone.has(e.seq));
    return before - this.events.length;
  }

  async deleteDeadLettersNaming(ids: PersonIds): Promise<number> {
    let n = 0;
    for (const c of this.consumers.values()) {
      const kept = c.dead.filter((x) => !namesPerson(x.event.body, ids));
      n += c.dead.length - kept.length;
      c.dead.length = 0;
      c.dead.push(...kept);
    }
    return n;
  }

  async prune(now = Date.now()): Promise<number> {
    let bound = Infinity;
    for (const c of this.consumers.values()) bound = Math.min(bound, c.cursor + 1, c.minRetrySeq());
    const cutoff = now - this.settings.retention_ms;
    const before = this.events.length;
    this.events = this.events.filter((e) => e.seq >= bound || e.receivedAt >= cutoff);
    return before - this.events.length;
  }

  async stats(): Promise<LogStats> {
    return { headSeq: this.nextSeq - 1, events: this.events.length };
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeup.notify();
  }
}
