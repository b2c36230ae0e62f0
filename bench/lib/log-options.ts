// The SQLite log settings every bench opens its log with: Sluice's defaults (src/app/start.ts with the config
// defaults), so a bench's log behaves like a server's.
export interface BenchLogOptions {
  path: string;
  dedupe_window_ms: number;
  retention_ms: number;
  maxRowsPerCommit: number;
  maxQueuedBytes: number;
  keep_rejects: number;
}

export function defaultLogOptions(path: string): BenchLogOptions {
  return { path, dedupe_window_ms: 24 * 3_600_000, retention_ms: 168 * 3_600_000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024, keep_rejects: 100_000 };
}
