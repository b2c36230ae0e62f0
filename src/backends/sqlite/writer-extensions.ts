// Stores beyond the log (rollups, tracking-plan violations, …) add their own tables and write operations here, so
// every write still goes through the one writer thread and its group commits. Each extension lives in its own file
// and is listed once below.
import type Database from 'better-sqlite3';
import { identityWriterExtension } from './identity-writer.js';
import { planViolationsExtension } from './plan-violations.js';
import { rollupWriterExtension } from './rollup-writer.js';

/** An operation an extension handles: `{ k: 'x:name', … }`; `k` is prefixed with the extension's name. */
export interface ExtensionOp {
  k: `${string}:${string}`;
  [field: string]: unknown;
}

export interface WriterExtension {
  /** Prefix of this extension's op kinds, e.g. 'rollup'. */
  name: string;
  /** DDL run on open (must be idempotent: CREATE TABLE IF NOT EXISTS …). */
  schema: string;
  /**
   * Prepares statements; returns the handler for this extension's ops (run inside the group's transaction). Called
   * once at start and again after a group was rolled back, so what a handler caches of the database starts afresh.
   */
  open(db: Database.Database): (op: ExtensionOp, now: number) => unknown;
  /**
   * Retention, for extensions that keep rows per log position: deletes those of positions below `bound`. The core
   * writer's prune op calls it in its transaction, right after it deleted the events below `bound`; with the log
   * elsewhere (NATS) the pruneBelow op does, with the first position that log still holds. It runs on the
   * writer thread, which every commit waits for, so it must cost what it deletes, not what it keeps: index the column.
   */
  prune?(db: Database.Database, bound: number): void;
}

// Listed extensions (one import and one entry each).
export const WRITER_EXTENSIONS: readonly WriterExtension[] = [
  identityWriterExtension,
  planViolationsExtension,
  rollupWriterExtension,
];
