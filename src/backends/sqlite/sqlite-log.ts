// The embedded Log: SQLite in WAL mode, one writer thread with group commit, reads on the main thread.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { LogRecord, LoggedEvent } from '../../core/event.js';
import type { PersonIds } from '../../core/names-person.js';
import type { AppendResult, Consumer, ConsumerOptions, Log, LogSettings, LogStats } from '../../log/log.js';
import { Wakeup } from '../../log/wakeup.js';
import type { RejectEntry, RejectLog, RejectQuery } from '../../sources/reject-log.js';
import { type EventCounts, eventCounts } from './event-holes.js';
import { CACHE_KIB, configure, migrate } from './schema.js';
import { spawnWorker } from './spawn-worker.js';
import { type ExtensionOp, WRITER_EXTENSIONS } from './writer-extensions.js';
import { SqliteConsumer, toLoggedEvent } from './sqlite-consumer.js';
import { type CommitObserver, WriterClient, type WriterLimits } from './writer-client.js';
import type { WriteOp } from './writer-protocol.js';

export interface SqliteLogOptions extends LogSettings, WriterLimits {
  path: string;
  /** Reject-log rows kept; older ones are trimmed by pruneRejects. */
  keep_rejects: number;
  onCommit?: CommitObserver;
  /** Called when a reject-log write could not be queued or failed (counted by the caller). */
  onRejectLogDrop?: (n: number) => void;
  onCheckpointerError?: (err: Error) => void;
  /** WAL size, in 4 KiB pages, at which the writer finishes the checkpoint itself; WAL_RESET_PAGES unless a test asks. */
  walResetPages?: number;
}

/**
 * 64 MiB of WAL. Past it the writer copies what the checkpointer thread has not yet copied (at most one
 * CHECKPOINT_EVERY_MS of appends), so that the next commit starts the WAL over from its first frame (writer-worker.ts
 * says why it must). Larger makes that pause rarer, not shorter, and keeps more of the WAL in the page cache.
 */
export const WAL_RESET_PAGES = 16_384;

/**
 * How often the checkpointer thread copies committed WAL pages into the database file. Each pass ends with an fsync
 * of the database file, which shares the disk with the writer's commits: at 200 ms a pass flushed ~9 MB of batches
 * (10–17 ms), and the commits queued behind it; and the writer's own checkpoint at each WAL restart (writer-worker.ts)
 * copied up to a whole interval's appends inside a commit (20–40 ms once every ~1.5 s at half the batch capacity).
 * At 50 ms the batch half-load p99 fell from 20–36 to 13–21 ms, with the same CPU per event (ad-hoc runs,
 * BENCHMARKS.md, 2026-12-04 late).
 */
const CHECKPOINT_EVERY_MS = 50;
/** The checkpointer holds nothing but its connection: a small heap, so that V8 does not size it from gigabytes. */
const CHECKPOINTER_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

const MAX_PENDING_REJECTS = 10_000;

export class SqliteLog implements Log, RejectLog {
  private readonly db: Database.Database;
  private readonly writer: WriterClient;
  private readonly wakeup = new Wakeup();
  /** Told of every append that stored something (the counting thread waits on it). */
  private readonly appendListeners = new Set<() => void>();
  private readonly consumers = new Map<string, SqliteConsumer>();
  private pendingRejects = 0;
  private readonly checkpointer: Worker;
  private checkpointerDone = false;
  private readonly st;
  private readonly counts: EventCounts;

  constructor(private readonly opts: SqliteLogOptions) {
    mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    configure(this.db, CACHE_KIB.reader);
    migrate(this.db);
    for (const x of WRITER_EXTENSIONS) this.db.exec(x.schema);
    this.checkpointer = spawnWorker('checkpointer-worker', { path: opts.path, everyMs: CHECKPOINT_EVERY_MS }, CHECKPOINTER_HEAP);
    this.checkpointer.unref();
    // A checkpointer that dies costs only WAL growth; commits stay durable. Note it and carry on.
    this.checkpointer.on('error', (err) => opts.onCheckpointerError?.(err));
    this.checkpointer.on('exit', () => (this.checkpointerDone = true));
    this.writer = new WriterClient({ path: opts.path, dedupeWindowMs: opts.dedupe_window_ms, walResetPages: opts.walResetPages ?? WAL_RESET_PAGES }, opts, opts.onCommit);
    this.counts = eventCounts(this.db);
    this.st = {
      cursor: this.db.prepare('SELECT cursor FROM consumers WHERE name = ?').pluck(),
      positionAt: this.db.prepare('SELECT seq FROM events WHERE received_at >= ? ORDER BY seq LIMIT 1').pluck(),
      getState: this.db.prepare('SELECT value FROM state WHERE key = ?').pluck(),
      scan: this.db.prepare('SELECT seq, source, message_id, type, received_at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      at: this.db.prepare('SELECT seq, source, message_id, type, received_at, body FROM events WHERE seq = ?'),
    };
  }

  append(records: readonly LogRecord[]): Promise<AppendResult> {
    let bytes = 0;
    for (const r of records) bytes += r.body.length;
    // Not an async function: its suspended frame would hold `records` until the commit, and the bodies with it.
    return this.writer.append(records, bytes).then((seqs) => this.appended(seqs));
  }

  private appended(seqs: (number | null)[]): AppendResult {
    let stored = 0;
    for (const s of seqs) if (s !== null) stored++;
    if (stored > 0) {
      this.wakeup.notify();
      for (const listener of this.appendListeners) listener();
    }
    return { seqs, stored, duplicates: seqs.length - stored };
  }

  async consumer(name: string, opts: ConsumerOptions = {}): Promise<Consumer> {
    const open = this.consumers.get(name);
    if (open) return open;
    let cursor = this.st.cursor.get(name) as number | undefined;
    if (cursor === undefined) {
      cursor = opts.startAt === 'now' ? this.counts.head() : 0;
      await this.writer.submit({ k: 'cursor', consumer: name, seq: cursor });
    }
    const c = new SqliteConsumer(name, cursor, this.db, this.writer, this.wakeup, () => this.db.open);
    this.consumers.set(name, c);
    return c;
  }

  async positionAt(time: number): Promise<number> {
    // received_at grows with seq, so the scan stops at the first young event; no index is needed.
    const seq = this.st.positionAt.get(time) as number | undefined;
    return seq === undefined ? this.counts.head() : seq - 1;
  }

  /** Small durable settings (a destination paused, say), written through the same group commits. */
  /** The read connection, for stores that share this database (rollups, violations): reads only. */
  get readDb(): Database.Database {
    return this.db;
  }

  /**
   * Runs a write in the next group commit; resolves with its handler's result once durable. Extensions' stores use
   * it, and the counting thread sends its consumers' writes (cursors included) through it.
   */
  submit(op: ExtensionOp | WriteOp): Promise<unknown> {
    return this.writer.submit(op);
  }

  /** Calls `listener` after every append that stored something; returns what stops it. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** The database file, for threads that open their own read connection to it. */
  get path(): string {
    return this.opts.path;
  }

  async getState(key: string): Promise<string | undefined> {
    return this.st.getState.get(key) as string | undefined;
  }

  async setState(key: string, value: string | null): Promise<void> {
    await this.writer.submit({ k: 'state', key, value });
  }

  async scan(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    return (this.st.scan.all(afterSeq, limit) as Parameters<typeof toLoggedEvent>[0][]).map(toLoggedEvent);
  }

  async eventsAt(seqs: readonly number[]): Promise<LoggedEvent[]> {
    return seqs.map((s) => this.st.at.get(s) as Parameters<typeof toLoggedEvent>[0] | undefined).filter((r) => r !== undefined).map(toLoggedEvent);
  }

  async deleteEvents(seqs: readonly number[]): Promise<number> {
    return (await this.writer.submit({ k: 'deleteEvents', seqs })) as number;
  }

  async deleteDeadLettersNaming(ids: PersonIds): Promise<number> {
    return (await this.writer.submit({ k: 'deleteDeadLettersNaming', userIds: ids.userIds, anonymousIds: ids.anonymousIds })) as number;
  }

  async prune(now = Date.now()): Promise<number> {
    return (await this.writer.submit({ k: 'prune', cutoff: now - this.opts.retention_ms })) as number;
  }

  /**
   * With the log elsewhere (log.backend nats): drops what this database keeps about positions below `bound`, the
   * first that log still holds (the identity timeline index). The SQLite log's own prune does it with its events.
   */
  async pruneBelow(bound: number): Promise<void> {
    await this.writer.submit({ k: 'pruneBelow', bound });
  }

  /**
   * Trims the reject log to its newest keep_rejects rows; returns how many went. Apart from prune: the rejects are
   * the store's (store.backend sqlite), kept here whichever backend holds the log.
   */
  async pruneRejects(): Promise<number> {
    return (await this.writer.submit({ k: 'pruneRejects', keep: this.opts.keep_rejects })) as number;
  }

  async stats(): Promise<LogStats> {
    return { headSeq: this.counts.head(), events: this.counts.total() };
  }

  ready(): boolean {
    return this.writer.healthy && this.writer.started;
  }

  get pendingBytes(): number {
    return this.writer.pendingBytes;
  }

  record(entries: readonly RejectEntry[]): void {
    if (entries.length === 0) return;
    if (this.pendingRejects + entries.length > MAX_PENDING_REJECTS || !this.writer.healthy) {
      this.opts.onRejectLogDrop?.(entries.length);
      return;
    }
    this.pendingRejects += entries.length;
    const rows = entries.map((e) => ({ at: e.at, source: e.source, code: e.code, field: e.field, itemIndex: e.index, message: e.message, sample: e.sample }));
    this.writer.submit({ k: 'reject', rows }).then(
      () => {
        this.pendingRejects -= entries.length;
      },
      () => {
        this.pendingRejects -= entries.length;
        this.opts.onRejectLogDrop?.(entries.length);
      },
    );
  }

  async list(q: RejectQuery = {}): Promise<RejectEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.source !== undefined) {
      where.push('source = ?');
      args.push(q.source);
    }
    if (q.code !== undefined) {
      where.push('code = ?');
      args.push(q.code);
    }
    const sql = `SELECT at, source, code, field, item_index AS "index", message, sample FROM rejects ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args, Math.min(q.limit ?? 100, 10_000)) as RejectEntry[];
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (!this.checkpointerDone) {
      await new Promise<void>((resolve) => {
        this.checkpointer.once('exit', () => resolve());
        this.checkpointer.ref(); // keep the process alive until it has finished its last pass
        this.checkpointer.postMessage({ close: true });
      });
    }
    this.db.close();
    this.wakeup.notify(); // waiting reads see the log closed and end empty
  }
}
