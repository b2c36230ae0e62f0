// The counting thread: runs the rollups and identity consumers off the thread that answers HTTP requests, at a
// lower CPU priority. On that thread they read, parsed and folded every event between requests: as much CPU as
// ingest itself for batches, and the source of the ingest latency tail (BENCHMARKS.md). Here they use another core
// when there is one, and on a busy single core the scheduler runs ingest first; they catch up when it lets up.
// Reads use this thread's own connection; writes go to the main thread, which puts them in the writer's groups.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { LoggedEvent } from '../../core/event.js';
import { IDENTITY_CONSUMER, IdentityConsumer } from '../../identity/identity-consumer.js';
import { ROLLUPS_CONSUMER, RollupsConsumer } from '../../rollups/rollups-consumer.js';
import { Wakeup } from '../../log/wakeup.js';
import type { CountingInit, FromCounting, ToCounting } from './counting-protocol.js';
import { SqliteIdentityStore } from './identity-store.js';
import { SqliteRollupStore } from './rollup-store.js';
import { CACHE_KIB, configure } from './schema.js';
import { SqliteConsumer, toLoggedEvent } from './sqlite-consumer.js';
import type { WriteOp } from './writer-protocol.js';

const init = workerData as CountingInit;
const port = parentPort!;
const post = (m: FromCounting): void => port.postMessage(m);

/** Lowers this thread's priority alone: on Linux a thread's id is a valid target of setpriority(PRIO_PROCESS). */
function lowerPriority(nice: number): void {
  if (nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux (no /proc/thread-self), or not allowed: the thread runs at the process's priority.
  }
}

/** Writes, sent to the main thread; each resolves once its group has committed. */
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 1;
const writer = {
  submit(op: WriteOp): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      post({ k: 'submit', id, op });
    });
  },
};

/** Tells the main thread once that a read found nothing, so that the next append wakes it. */
class ThreadWakeup extends Wakeup {
  private asked = false;
  override wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.asked && ms > 0 && signal?.aborted !== true) {
      this.asked = true;
      post({ k: 'waiting' });
    }
    return super.wait(ms, signal);
  }
  woken(): void {
    this.asked = false;
    this.notify();
  }
}

/** Log fields as plain data: an Error keeps its message and stack across the thread boundary. */
function plain(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? { type: v.name, message: v.message, stack: v.stack } : v;
  return out;
}
const logger = {
  warn: (obj: object, msg?: string) => post({ k: 'log', level: 'warn', obj: plain(obj), msg }),
  error: (obj: object, msg?: string) => post({ k: 'log', level: 'error', obj: plain(obj), msg }),
};

lowerPriority(init.nice);
const db = new Database(init.path);
configure(db, CACHE_KIB.counting);
const wakeup = new ThreadWakeup();
const st = {
  cursor: db.prepare('SELECT cursor FROM consumers WHERE name = ?').pluck(),
  at: db.prepare('SELECT seq, source, message_id, type, received_at, body FROM events WHERE seq = ?'),
};
const host = {
  readDb: db,
  submit: (op: WriteOp) => writer.submit(op),
  async eventsAt(seqs: readonly number[]): Promise<LoggedEvent[]> {
    return seqs.map((s) => st.at.get(s) as Parameters<typeof toLoggedEvent>[0] | undefined).filter((r) => r !== undefined).map(toLoggedEvent);
  },
};

/** As SqliteLog.consumer with startAt 'earliest': a consumer new to this database starts at the oldest event. */
async function openConsumer(name: string): Promise<SqliteConsumer> {
  let cursor = st.cursor.get(name) as number | undefined;
  if (cursor === undefined) {
    cursor = 0;
    await writer.submit({ k: 'cursor', consumer: name, seq: cursor });
  }
  return new SqliteConsumer(name, cursor, db, writer, wakeup, () => db.open);
}

/** Identity's counters, sent to the main thread's metrics once per applied batch rather than once per counter. */
const counted = { merged: 0, refused: 0, blocked: 0 };
let countsQueued = false;
function count(what: keyof typeof counted, n: number): void {
  if (n <= 0) return;
  counted[what] += n;
  if (countsQueued) return;
  countsQueued = true;
  setImmediate(() => {
    countsQueued = false;
    post({ k: 'identity', ...counted });
    counted.merged = counted.refused = counted.blocked = 0;
  });
}

let rollups: RollupsConsumer | null = null;
let identity: IdentityConsumer | null = null;

async function start(): Promise<void> {
  if (init.rollups !== null) {
    rollups = new RollupsConsumer({ consumer: await openConsumer(ROLLUPS_CONSUMER), store: new SqliteRollupStore(host), config: init.rollups, logger });
  }
  if (init.identity !== null) {
    identity = new IdentityConsumer({
      consumer: await openConsumer(IDENTITY_CONSUMER),
      store: new SqliteIdentityStore(host),
      config: init.identity,
      logger,
      telemetry: {
        merged: (n) => count('merged', n),
        mergeRefused: (n) => count('refused', n),
        blockedIds: (n) => count('blocked', n),
      },
    });
  }
  rollups?.start();
  identity?.start();
}

async function stop(): Promise<void> {
  await rollups?.stop(); // the batch being applied commits with its position
  await identity?.stop();
  db.close();
  post({ k: 'stopped' });
  port.close();
}

port.on('message', (m: ToCounting) => {
  switch (m.k) {
    case 'result': {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(Object.assign(new Error(m.message), { code: m.code }));
      return;
    }
    case 'wake':
      wakeup.woken();
      return;
    case 'status': {
      const c = m.which === 'rollups' ? rollups : identity;
      if (c === null) return post({ k: 'status', id: m.id, ok: false, message: `${m.which} does not run` });
      c.status().then(
        (value) => post({ k: 'status', id: m.id, ok: true, value }),
        (err: unknown) => post({ k: 'status', id: m.id, ok: false, message: (err as Error).message }),
      );
      return;
    }
    case 'stop':
      void stop();
      return;
  }
});

start().then(
  () => post({ k: 'started' }),
  (err: unknown) => post({ k: 'failed', message: (err as Error).message }),
);
