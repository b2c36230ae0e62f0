// Copies committed WAL pages back into the database file on its own thread and connection, so the writer's commits
// never pay for a checkpoint (one inside a commit made the commit that triggered it take tens of milliseconds).
// PASSIVE never blocks the writer or readers; pages still needed by a reader are copied on a later pass. Under appends
// that never pause, these passes alone never let the WAL start over; the writer finishes them (writer-worker.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CACHE_KIB, configure } from './schema.js';

const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new Database(path);
configure(db, CACHE_KIB.checkpointer);
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or I/O error: the next pass tries again; the WAL keeps every commit meanwhile
  }
}, everyMs);

parentPort!.on('message', (msg: { close?: boolean }) => {
  if (msg.close) {
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // best effort at shutdown
    }
    db.close();
    parentPort!.close();
  }
});
