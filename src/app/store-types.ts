// What a store is (rollups, reject log, plan violations) and what opening one needs; store.ts opens the configured one.
import type { Logger } from 'pino';
import type { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { ViolationStore } from '../core/plan.js';
import type { RollupStore } from '../rollups/store.js';
import type { RejectLog } from '../sources/reject-log.js';
import type { SluiceConfig } from './config-schema.js';

export interface Store {
  type: SluiceConfig['store']['backend'];
  rollups: RollupStore;
  rejects: RejectLog;
  violations: ViolationStore;
  /** False while the store cannot be reached (the pipeline retries meanwhile). */
  ready(): boolean;
  /** Drops what is past retention; returns rows dropped. */
  prune(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreDeps {
  log: SqliteLog;
  logger: Logger;
  onRejectLogDrop: (n: number) => void;
}
