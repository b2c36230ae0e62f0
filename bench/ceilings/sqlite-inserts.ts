// Ceiling (c): how many ~400-byte rows per second SQLite itself can make durable on this disk, with the settings
// Sluice's writer uses (WAL, synchronous=FULL, one fsync per transaction). Run in its own process, pinned like the
// server, so nothing else shares the core. Prints one JSON line: {"txnRows":N,"rows":R,"seconds":S,"rowsPerSec":X}.
// Usage: node sqlite-inserts.ts --dir DIR --txn ROWS --seconds S [--dedupe]
// --dedupe also inserts each row's (source, messageId) into a WITHOUT ROWID key table, as Sluice's writer does for
// duplicate detection; the plain figure is the ceiling, this one shows what that index costs on its own.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { storedRow } from '../lib/bodies.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, txn: { type: 'string' }, seconds: { type: 'string' }, dedupe: { type: 'boolean', default: false } } });
if (values.dir === undefined || values.txn === undefined || values.seconds === undefined) throw new Error('usage: --dir DIR --txn ROWS --seconds S [--dedupe]');
const txnRows = Number(values.txn);
const seconds = Number(values.seconds);

mkdirSync(values.dir, { recursive: true });
const db = new Database(join(values.dir, `ceiling-${txnRows}${values.dedupe ? '-dedupe' : ''}.db`));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -32000');
// The same shape as Sluice's events table (schema.ts), so row and page sizes match.
db.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, message_id TEXT NOT NULL,
  type TEXT NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS seen (source TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (source, message_id)) WITHOUT ROWID;`);
const insert = db.prepare('INSERT INTO events (source, message_id, type, received_at, body) VALUES (?, ?, ?, ?, ?)');
const seen = db.prepare('INSERT OR IGNORE INTO seen (source, message_id) VALUES (?, ?)');
const body = storedRow();
const dedupe = values.dedupe;

const commit = db.transaction((n: number) => {
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const id = randomUUID(); // SDKs send random UUIDs, so the key index sees random inserts, as in production
    if (dedupe) seen.run('bench', id);
    insert.run('bench', id, 'track', now, body);
  }
});

// Warm-up: the first commits create pages and the WAL file; they are not what steady state costs.
const warmUntil = performance.now() + 300;
while (performance.now() < warmUntil) commit(txnRows);

let rows = 0;
const start = performance.now();
const end = start + seconds * 1000;
while (performance.now() < end) {
  commit(txnRows);
  rows += txnRows;
}
const elapsed = (performance.now() - start) / 1000;
db.close();
process.stdout.write(`${JSON.stringify({ txnRows, dedupe, rows, seconds: elapsed, rowsPerSec: rows / elapsed })}\n`);
