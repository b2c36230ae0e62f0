// Main-thread side of the writer: queues operations and ships them in groups (group commit). While one group is
// being committed, everything that arrives waits for the next; so under load many requests share one fsync, and an
// idle server commits a lone request at once. Bytes waiting are capped: past the cap, appends fail fast with
// 'overloaded' (429) instead of growing memory without bound.
//
// Only appends have a client waiting on the other end of an HTTP request. Every other write (consumer cursors,
// retries, rollup and identity batches) can wait a few milliseconds. Under ingest load, a group made only of such
// writes cost a full commit and fsync of its own, and the requests that arrived during it waited for that commit and
// then for theirs: profiled at 13k req/s, 40% of the commits held no append. So while appends are arriving, a group
// with no append is held back (at most HOLD_MS) to ride with the next one.
import type { Worker } from 'node:worker_threads';
import { SluiceError } from '../../core/errors.js';
import type { LogRecord } from '../../core/event.js';
import { BodySlabs, SLAB_BYTES, type Slab } from './body-slabs.js';
import { type BodyAlloc, mergePacked, type PackedRecords, packedTransfer, packRecords } from './packed-records.js';
import { spawnWorker } from './spawn-worker.js';
import type { OpResult, WriteOp, WriterInit, WriterReply, WriterStarted } from './writer-protocol.js';

/**
 * The writer thread's heap. A 16 MB young generation: most of what it allocates dies within its group, and with
 * 8 MB the writer's work for the counting thread's writes (rollups, identity) took ~30% more CPU per event (catch-up
 * after a batch load, 8.1–8.5 s against 10.8–11.0 s for ~1.7 million events, ad-hoc alternated runs, BENCHMARKS.md
 * 2026-12-05), for ~15 MB less RSS. The old generation holds one group alive (bounded by log.max_queued_bytes) and
 * the dedupe index's arrays live outside the V8 heap: 256 MB also keeps V8 from growing it to 4× what survives, as it
 * does when the limit is gigabytes. (Until 2026-12-05 the sluice command's flags overrode these; src/core/worker-heap.ts.)
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 256 };

/**
 * Buffers kept for packing bodies into, and the size of a new one. The writer transfers each op's buffer back with
 * its reply; an op carries up to APPEND_OP_CHARS characters (a record may cross it), so 128 KiB holds most and a
 * group's ops fit in the spares. Bounded: a buffer past the count is dropped, one too small is replaced.
 */
const SPARE_BUFFERS = 32;
const BODY_BUFFER_BYTES = 128 * 1024;

/** How long writes without an append are held back for one to ride with, at most. */
const HOLD_MS = 5;
/** Appends committed this recently mean more are coming: only then is a group without one held back. */
const APPEND_LOAD_MS = 50;

export interface Pending {
  /** The write; null for an append, whose records travel in the group's append ops. */
  op: WriteOp | null;
  /** An append's records until they are packed for the writer; null after (see groupOps) and for other writes. */
  records: readonly LogRecord[] | null;
  /** A large append's records, packed as it was queued (EARLY_PACK_CHARS); null otherwise and after groupOps. */
  packed: PackedRecords | null;
  /** Where `packed`'s bodies were carved from, until they are copied into an op. */
  slab: Slab | null;
  rows: number;
  /** For an append, its records' body characters (SqliteLog.append counts them). */
  bytes: number;
  /** Set at flush: which of the group's ops carries this write, and, for an append, its first record's index there. */
  resultOp: number;
  resultAt: number;
  resolve: (r: OpResult) => void;
  reject: (e: Error) => void;
}

export interface WriterLimits {
  /** Rows appended in one transaction, at most. */
  maxRowsPerCommit: number;
  /** Bytes of event bodies queued or being committed, at most. */
  maxQueuedBytes: number;
}

export interface CommitObserver {
  /**
   * `newBuffers`: body buffers allocated for the group, not taken from the spares the writer handed back.
   * `packedEarly`: the group's appends that were packed as they were queued (EARLY_PACK_CHARS).
   */
  (info: { rows: number; ops: number; ms: number; ok: boolean; newBuffers: number; packedEarly: number }): void;
}

export class WriterClient {
  private readonly worker: Worker;
  private queue: Pending[] = [];
  private inFlight: Pending[] | null = null;
  private inFlightStarted = 0;
  /** Body buffers allocated since the last group was sent: that group's, once it is. */
  private newBuffers = 0;
  private inFlightNewBuffers = 0;
  private inFlightPackedEarly = 0;
  private queuedBytes = 0;
  private nextId = 1;
  private failed: Error | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  private closeResolve: (() => void) | null = null;
  private lastAppendAt = -Infinity;
  private held: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private isStarted = false;
  private readonly spare: ArrayBuffer[] = [];
  /** Bytes for requests packed as they are queued: as many slabs kept for reuse as the queue cap fills. */
  private readonly slabs: BodySlabs;
  /** Bytes for an op's bodies: a spare buffer when one is large enough, else a new one. */
  private readonly alloc: BodyAlloc = (bytes) => {
    let ab = this.spare.pop();
    if (ab === undefined || ab.byteLength < bytes) {
      ab = new ArrayBuffer(Math.max(bytes, BODY_BUFFER_BYTES));
      this.newBuffers++;
    }
    return Buffer.from(ab, 0, bytes);
  };

  constructor(
    init: WriterInit,
    private readonly limits: WriterLimits,
    private readonly onCommit: CommitObserver = () => {},
  ) {
    this.slabs = new BodySlabs(Math.ceil(limits.maxQueuedBytes / SLAB_BYTES));
    this.worker = spawnWorker('writer-worker', init, WRITER_HEAP);
    this.worker.on('message', (reply: WriterReply | WriterStarted) => {
      if ('started' in reply) this.isStarted = true;
      else this.onReply(reply);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`writer thread exited with code ${code}`));
      this.closeResolve?.();
    });
  }

  get healthy(): boolean {
    return this.failed === null && !this.closing;
  }

  /**
   * False until the writer thread has rebuilt its dedupe index from the log (~1 µs per event in the window, so
   * seconds for millions): appends wait for it meanwhile, so /readyz says not ready and a load balancer waits too.
   */
  get started(): boolean {
    return this.isStarted;
  }

  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Queues any write but an append (see append); resolves with its result once durable. */
  submit(op: WriteOp, bytes = 0, rows = 0): Promise<OpResult> {
    const refused = this.refusal(bytes);
    if (refused !== null) return Promise.reject(refused);
    return this.enqueue({ op, records: null, packed: null, slab: null, rows, bytes });
  }

  /**
   * Appends records; resolves with each one's position (null for a duplicate) once durable. The appends of a group
   * are packed together at flush, up to APPEND_OP_CHARS per op: the writer then deserializes one string and one array
   * for many single-event requests, not a packed object each, and inserts them in statements of up to 64 rows, not
   * one statement per request (single calls at 64 connections: the writer's CPU per request fell by ~20%).
   */
  append(records: readonly LogRecord[], bytes: number): Promise<(number | null)[]> {
    // Checked before packing, so that a refused request costs no packing.
    const refused = this.refusal(bytes);
    if (refused !== null) return Promise.reject(refused);
    const rows = records.length;
    if (bytes < EARLY_PACK_CHARS) return this.enqueue({ op: null, records, packed: null, slab: null, rows, bytes }) as Promise<(number | null)[]>;
    let slab: Slab | null = null;
    const packed = packRecords(records, (n) => {
      const taken = this.slabs.take(n);
      slab = taken.slab;
      return taken.bytes;
    });
    return this.enqueue({ op: null, records: null, packed, slab, rows, bytes }) as Promise<(number | null)[]>;
  }

  /** Why a write of `bytes` cannot be queued now, or null. */
  private refusal(bytes: number): SluiceError | null {
    if (this.failed !== null || this.closing) {
      return new SluiceError('storage_unavailable', this.closing ? 'the log is shutting down' : `the log cannot write: ${this.failed!.message}`);
    }
    // An append is always admitted when nothing waits, so a request larger than the cap is not refused forever.
    if (bytes > 0 && this.queuedBytes > 0 && this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      return new SluiceError('overloaded', `${this.queuedBytes} bytes are waiting to be written; retry shortly`);
    }
    return null;
  }

  /** Queues a write that refusal() has admitted. */
  private enqueue(w: Pick<Pending, 'op' | 'records' | 'packed' | 'slab' | 'rows' | 'bytes'>): Promise<OpResult> {
    this.queuedBytes += w.bytes;
    return new Promise<OpResult>((resolve, reject) => {
      this.queue.push({ ...w, resultOp: -1, resultAt: 0, resolve, reject });
      this.scheduleFlush();
    });
  }

  private flush(force = false): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    if (!force && !this.queue.some((p) => p.op === null) && performance.now() - this.lastAppendAt < APPEND_LOAD_MS) {
      this.held ??= setTimeout(() => {
        this.held = null;
        this.flush(true);
      }, HOLD_MS);
      return;
    }
    if (this.held !== null) {
      clearTimeout(this.held);
      this.held = null;
    }
    let rows = 0;
    let n = 0;
    while (n < this.queue.length) {
      const next = this.queue[n]!;
      if (n > 0 && rows + next.rows > this.limits.maxRowsPerCommit) break;
      rows += next.rows;
      n++;
    }
    const group = this.queue.splice(0, n);
    let packedEarly = 0;
    for (const p of group) if (p.packed !== null) packedEarly++;
    let ops: WriteOp[];
    const transfer: ArrayBuffer[] = [];
    try {
      ops = groupOps(group, this.alloc);
      for (const op of ops) if (op.k === 'append') transfer.push(packedTransfer(op.packed));
    } catch (err) {
      this.releaseSlabs(group);
      // A bug in packing fails this group's writes (their callers answer 500) instead of leaving them unanswered.
      this.queuedBytes -= group.reduce((sum, p) => sum + p.bytes, 0);
      for (const p of group) p.reject(err as Error);
      this.scheduleFlush();
      return;
    }
    this.releaseSlabs(group);
    this.inFlight = group;
    this.inFlightStarted = performance.now();
    this.inFlightNewBuffers = this.newBuffers;
    this.inFlightPackedEarly = packedEarly;
    this.newBuffers = 0;
    this.worker.postMessage({ id: this.nextId++, ops, now: Date.now() }, transfer);
  }

  /** The group's early packs have been copied into its ops (or the group failed): their slabs can be reused. */
  private releaseSlabs(group: readonly Pending[]): void {
    for (const p of group) {
      if (p.slab === null) continue;
      this.slabs.release(p.slab);
      p.slab = null;
    }
  }

  private onReply(reply: WriterReply): void {
    for (const ab of reply.spent ?? []) if (this.spare.length < SPARE_BUFFERS) this.spare.push(ab);
    const group = this.inFlight;
    if (group === null) return;
    if (reply.id === 0) return;
    this.inFlight = null;
    let rows = 0;
    for (const p of group) {
      this.queuedBytes -= p.bytes;
      rows += p.rows;
    }
    if (rows > 0) this.lastAppendAt = performance.now();
    this.onCommit({ rows, ops: group.length, ms: performance.now() - this.inFlightStarted, ok: reply.ok, newBuffers: this.inFlightNewBuffers, packedEarly: this.inFlightPackedEarly });
    if (reply.ok) {
      for (const p of group) {
        const result = reply.results[p.resultOp] ?? null;
        p.resolve(p.op === null ? (result as (number | null)[]).slice(p.resultAt, p.resultAt + p.rows) : result);
      }
    } else {
      const err = new SluiceError('storage_unavailable', `the log could not commit: ${reply.error}`);
      for (const p of group) p.reject(err);
    }
    this.scheduleFlush();
  }

  /**
   * Flushes after the event loop has finished its current round of I/O callbacks. Requests that arrived together
   * are read in one round; flushing at the first one's append committed it alone and made the others wait for that
   * commit before theirs (profiled: half the commits held one row). Waiting for the round costs microseconds.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private fail(err: Error): void {
    this.failed = err;
    const err2 = new SluiceError('storage_unavailable', `the log cannot write: ${err.message}`);
    for (const p of [...(this.inFlight ?? []), ...this.queue]) p.reject(err2);
    this.inFlight = null;
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** Lets queued groups commit, then stops the writer thread. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = (async () => {
      while ((this.inFlight !== null || this.queue.length > 0) && this.failed === null) {
        await new Promise((r) => setTimeout(r, 2));
      }
      this.closing = true;
      if (this.failed !== null) {
        await this.worker.terminate();
        return;
      }
      await new Promise<void>((resolve) => {
        this.closeResolve = resolve;
        this.worker.postMessage({ id: 0, close: true });
      });
    })();
    return this.closed;
  }
}

/**
 * Body characters one append op carries, at most (a lone larger request goes alone). It was set when bodies travelled
 * as one string, which past V8's regular object size (~128 KB) is allocated in the large-object space that only a
 * full collection frees: a whole group of 50-event batches in one op (~800 KB) made batch ingest slower. Bodies now
 * travel as bytes outside the heap (packed-records.ts); without the cap, batch CPU per event was the same within the
 * machine's noise (alternated ad-hoc runs), so it stays.
 */
const APPEND_OP_CHARS = 64 * 1024;

/**
 * A request whose records hold this many body characters is packed as it is queued, not when its group is sent.
 * Queued records held their bodies as V8 builds them (cons strings over slices of the request's text): ~1.8 KB of
 * heap per 420-byte batch event, alive while the writer commits the groups before theirs, so under overload they
 * were promoted to the old generation (~20 MB of the main thread's heap under 1,000 batch connections, heap snapshot,
 * BENCHMARKS.md 2026-12-05). Packed, a request's bodies are its exact UTF-8 bytes outside the heap, and its records
 * die young. Small requests (single calls) keep being packed at send time with their neighbours: that is cheaper
 * per request, and their records are too few to matter.
 */
const EARLY_PACK_CHARS = 4096;

/** One op's appends in order: runs of records still to pack, and requests packed when queued. */
type OpParts = (LogRecord[] | PackedRecords)[];

function packOp(parts: OpParts, alloc?: BodyAlloc): PackedRecords {
  if (parts.length === 1 && Array.isArray(parts[0])) return packRecords(parts[0], alloc);
  return mergePacked(
    parts.map((part) => (Array.isArray(part) ? packRecords(part, Buffer.allocUnsafe) : part)),
    alloc,
  );
}

/**
 * The group's writes as the writer takes them: the appends first, packed together into ops of up to APPEND_OP_CHARS,
 * then every other write in order. Notes in each pending write where its result will be, and lets go of its records:
 * the packed copy is what travels, and records held until the commit outlived young-generation collections, which
 * copied every body they held and then promoted them for a full collection to free (see SqliteLog.append).
 */
export function groupOps(group: readonly Pending[], alloc?: BodyAlloc): WriteOp[] {
  const opParts: OpParts[] = [];
  let current: OpParts | null = null;
  let chars = 0;
  let n = 0;
  for (const p of group) {
    if (p.op !== null || (p.records === null && p.packed === null)) continue;
    if (current === null || (chars > 0 && chars + p.bytes > APPEND_OP_CHARS)) {
      opParts.push((current = []));
      chars = 0;
      n = 0;
    }
    p.resultOp = opParts.length - 1;
    p.resultAt = n;
    if (p.records !== null) {
      const last = current[current.length - 1];
      const run = Array.isArray(last) ? last : (current[current.length] = []);
      for (const r of p.records) run.push(r);
      n += p.records.length;
    } else {
      current.push(p.packed!);
      n += p.packed!.n;
    }
    chars += p.bytes;
    p.records = null;
    p.packed = null;
  }
  const ops: WriteOp[] = opParts.map((parts) => ({ k: 'append', packed: packOp(parts, alloc) }));
  for (const p of group) {
    if (p.op === null) continue;
    p.resultOp = ops.length;
    ops.push(p.op);
  }
  return ops;
}
