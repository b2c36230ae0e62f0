// The writer thread: owns the only write connection. Each message from the main thread is one group of operations
// applied in one transaction, committed with synchronous=FULL, so the event loop never waits on an fsync.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DedupeIndex, type StoredPair } from './dedupe-index.js';
import { eventDeleter, pruneHoles } from './event-holes.js';
import { EventInserter } from './event-inserter.js';
import { deleteDeadLettersNaming } from './privacy-forget.js';
import { type PackedRecords, packedMessageId, packedSource, packedTransfer } from './packed-records.js';
import { CACHE_KIB, configure } from './schema.js';
import { type ExtensionOp, WRITER_EXTENSIONS, type WriterExtension } from './writer-extensions.js';
import type { OpResult, WriteOp, WriterInit, WriterReply, WriterRequest, WriterStarted } from './writer-protocol.js';

const init = workerData as WriterInit;
const db = new Database(init.path);
configure(db, CACHE_KIB.writer);
// FULL: in WAL mode only FULL fsyncs the WAL on every commit; NORMAL (better-sqlite3's default) may lose the
// last commits on power loss, and a 200 promises the event is on disk.
db.pragma('synchronous = FULL');
// Checkpoints run on their own thread (checkpointer-worker.ts), not inside commits, with one exception. SQLite starts
// the WAL over from its first frame only when a write begins after a checkpoint that copied every frame. Under appends
// that never pause, the checkpointer's passes always end after another commit, so that never happened and the WAL grew
// by every byte appended (600 MB in 20 s of batches, BENCHMARKS.md). Once the WAL holds walResetPages, each commit
// ends with a PASSIVE checkpoint on this connection: it copies only what the checkpointer has not, then the next
// commit starts the WAL over. That costs one commit a few milliseconds once per walResetPages of appends. PASSIVE never
// waits for readers: one still reading old frames postpones the restart to a later commit, nothing more.
db.pragma(`wal_autocheckpoint = ${init.walResetPages}`);

const st = {
  pairAt: db.prepare('SELECT source, message_id AS messageId FROM events WHERE seq = ?'),
  firstFrom: db.prepare('SELECT seq, received_at AS receivedAt FROM events WHERE seq >= ? ORDER BY seq LIMIT 1'),
  minSeq: db.prepare('SELECT MIN(seq) FROM events').pluck(),
  pairsFrom: db.prepare('SELECT seq, source, message_id AS messageId FROM events WHERE seq >= ? ORDER BY seq'),
  cursor: db.prepare(
    'INSERT INTO consumers (name, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
  ),
  retry: db.prepare(
    'INSERT INTO retries (consumer, seq, due_at, attempt, first_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (consumer, seq) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt',
  ),
  settleRetry: db.prepare('DELETE FROM retries WHERE consumer = ? AND seq = ?'),
  dead: db.prepare(
    'INSERT INTO dead_letters (consumer, seq, source, message_id, type, received_at, body, reason, attempt, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  removeDead: db.prepare('DELETE FROM dead_letters WHERE consumer = ? AND id = ?'),
  setState: db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  deleteState: db.prepare('DELETE FROM state WHERE key = ?'),
  reject: db.prepare('INSERT INTO rejects (at, source, code, field, item_index, message, sample) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  firstKept: db.prepare('SELECT seq FROM events WHERE received_at >= ? ORDER BY seq LIMIT 1').pluck(),
  maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck(),
  minCursor: db.prepare('SELECT MIN(cursor) FROM consumers').pluck(),
  minRetry: db.prepare('SELECT MIN(seq) FROM retries').pluck(),
  deleteBefore: db.prepare('DELETE FROM events WHERE seq < ?'),
  trimRejects: db.prepare('DELETE FROM rejects WHERE id <= (SELECT MAX(id) FROM rejects) - ?'),
};

const deleteEvent = eventDeleter(db);
const inserter = new EventInserter(db);
const dedupe = new DedupeIndex(init.dedupeWindowMs, (seq) => st.pairAt.get(seq) as StoredPair | undefined, Date.now());

/** The first position received at or after `time`: a binary search on seq, as received_at grows with it. */
function firstSeqReceivedFrom(time: number): number | undefined {
  let lo = st.minSeq.get() as number | null;
  let hi = st.maxSeq.get() as number;
  if (lo === null) return undefined;
  const at = (seq: number): { seq: number; receivedAt: number } | undefined => st.firstFrom.get(seq) as { seq: number; receivedAt: number } | undefined;
  if ((at(hi)?.receivedAt ?? -Infinity) < time) return undefined;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = at(mid)!;
    if (row.receivedAt >= time) hi = mid;
    else lo = row.seq + 1;
  }
  return lo;
}

/** Loads the pairs of the last window from the log: at start, and after a failed commit. */
function rebuildDedupe(now: number): void {
  dedupe.clear(now);
  const from = firstSeqReceivedFrom(now - init.dedupeWindowMs);
  if (from === undefined) return;
  for (const r of st.pairsFrom.iterate(from) as IterableIterator<StoredPair & { seq: number }>) dedupe.add(r.source, r.messageId, r.seq);
}
rebuildDedupe(Date.now());

for (const x of WRITER_EXTENSIONS) db.exec(x.schema);
/** Each extension's handler; opened again after a rolled-back group, so nothing they cache outlives a rollback. */
let extensions = openExtensions();

function openExtensions(): Map<string, ReturnType<WriterExtension['open']>> {
  return new Map(WRITER_EXTENSIONS.map((x) => [x.name, x.open(db)] as const));
}

function apply(op: WriteOp, now: number): OpResult {
  const colon = op.k.indexOf(':');
  if (colon !== -1) {
    const handler = extensions.get(op.k.slice(0, colon));
    if (handler === undefined) throw new Error(`no writer extension handles ${op.k}`);
    return handler(op as ExtensionOp, now);
  }
  switch (op.k) {
    case 'append':
      return append(op.packed);
    case 'cursor':
      st.cursor.run(op.consumer, op.seq, now);
      return null;
    case 'retry':
      st.retry.run(op.consumer, op.seq, op.dueAt, op.attempt, op.firstAt);
      return null;
    case 'settleRetry':
      st.settleRetry.run(op.consumer, op.seq);
      return null;
    case 'dead': {
      const e = op.event;
      st.dead.run(op.consumer, e.seq, e.source, e.messageId, e.type, e.receivedAt, e.body, op.reason, op.attempt, op.at, op.detail);
      return null;
    }
    case 'removeDead': {
      let n = 0;
      for (const id of op.ids) n += st.removeDead.run(op.consumer, id).changes;
      return n;
    }
    case 'state':
      if (op.value === null) st.deleteState.run(op.key);
      else st.setState.run(op.key, op.value);
      return null;
    case 'reject':
      for (const r of op.rows) st.reject.run(r.at, r.source, r.code, r.field, r.itemIndex, r.message, r.sample);
      return null;
    case 'prune':
      // Never prune inside the dedupe window: the index is rebuilt from these rows at start.
      return prune(Math.min(op.cutoff, now - init.dedupeWindowMs));
    case 'pruneRejects':
      return st.trimRejects.run(op.keep).changes;
    case 'pruneBelow':
      pruneExtensions(op.bound);
      return null;
    case 'deleteEvents':
      return op.seqs.filter(deleteEvent).length;
    case 'deleteDeadLettersNaming':
      return deleteDeadLettersNaming(db, op.userIds, op.anonymousIds);
  }
}

/**
 * Stores the records not already in the dedupe window and returns each one's position (null for a duplicate). A
 * record that repeats an earlier one of the same append is a duplicate too: `pending` is checked, as it is not in
 * the index until inserted.
 */
function append(p: PackedRecords): (number | null)[] {
  // Filled by push, not new Array(n): a holey array travels back through postMessage as a sparse one, element by
  // element (packed-records.ts).
  const seqs: (number | null)[] = [];
  for (let i = 0; i < p.n; i++) seqs.push(null);
  const fresh: number[] = [];
  const oneSource = typeof p.source === 'string';
  const pending = p.n > 1 ? new Set<string>() : null;
  for (let i = 0; i < p.n; i++) {
    const source = packedSource(p, i);
    const messageId = packedMessageId(p, i);
    if (dedupe.has(source, messageId)) continue;
    if (pending !== null) {
      const key = oneSource ? messageId : `${source}\u0000${messageId}`;
      if (pending.has(key)) continue;
      pending.add(key);
    }
    fresh.push(i);
  }
  if (fresh.length === 0) return seqs;
  const first = inserter.insert(p, fresh);
  for (let j = 0; j < fresh.length; j++) {
    const i = fresh[j]!;
    seqs[i] = first + j;
    dedupe.add(packedSource(p, i), packedMessageId(p, i), first + j);
  }
  return seqs;
}

/** Deletes events older than the cutoff, but never one that a consumer has not settled or that awaits a retry. */
function prune(cutoff: number): number {
  const firstYoung = (st.firstKept.get(cutoff) as number | undefined) ?? Number(st.maxSeq.get()) + 1;
  const minCursor = st.minCursor.get() as number | null;
  const minRetry = st.minRetry.get() as number | null;
  let bound = firstYoung;
  if (minCursor !== null) bound = Math.min(bound, minCursor + 1);
  if (minRetry !== null) bound = Math.min(bound, minRetry);
  const dropped = st.deleteBefore.run(bound).changes;
  pruneHoles(db, bound);
  // What extensions keep about these positions goes with them, in the same transaction.
  pruneExtensions(bound);
  return dropped;
}

/** What extensions keep about positions below `bound` (the timeline index), for positions the log no longer holds. */
function pruneExtensions(bound: number): void {
  for (const x of WRITER_EXTENSIONS) x.prune?.(db, bound);
}

const runGroup = db.transaction((ops: WriteOp[], now: number): OpResult[] => {
  dedupe.rotateIfDue(now);
  return ops.map((op) => apply(op, now));
});

parentPort!.on('message', (msg: WriterRequest) => {
  if ('close' in msg) {
    db.close();
    parentPort!.postMessage({ id: msg.id, ok: true, results: [] } satisfies WriterReply);
    parentPort!.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: msg.id, ok: true, results: runGroup(msg.ops, msg.now) };
  } catch (err) {
    reply = { id: msg.id, ok: false, error: (err as Error).message };
    // The group was rolled back: forget what it added to the index and to the extensions' caches.
    try {
      extensions = openExtensions();
      rebuildDedupe(Date.now());
    } catch {
      // The database cannot be read either; the next group fails too and tries again.
    }
  }
  // The bodies' buffers go back to the client, which packs the next groups into them: off-heap memory the writer
  // would otherwise hold until its next collection, and a fresh allocation per op on the other side.
  const spent: ArrayBuffer[] = [];
  for (const op of msg.ops) if (op.k === 'append') spent.push(packedTransfer(op.packed));
  reply.spent = spent;
  parentPort!.postMessage(reply, spent);
});

// The dedupe index is built (seconds for millions of events in the window): from now on groups commit at once.
parentPort!.postMessage({ started: true } satisfies WriterStarted);
