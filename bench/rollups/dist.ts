// The built Sluice (dist/, made by `npm run build` at the start of the bench), loaded at run time, so the rollups
// benchmark runs the code an operator runs. Types come from src/, which dist/ is compiled from.
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export async function fromDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(`${DIST}${path}`).href)) as T;
}

/** Sluice's default log settings (src/app/start.ts with the config defaults). */
export function defaultLogOptions(path: string): {
  path: string;
  dedupe_window_ms: number;
  retention_ms: number;
  maxRowsPerCommit: number;
  maxQueuedBytes: number;
  keep_rejects: number;
} {
  return { path, dedupe_window_ms: 24 * 3_600_000, retention_ms: 168 * 3_600_000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024, keep_rejects: 100_000 };
}
