// Starts the built Sluice (dist/cli/main.js), as an operator would, on the server core with a fresh data dir under
// /tmp and a config that names a known write key.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_CPU, type Server, startServer } from './proc.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/**
 * The Node flags the `sluice` command's shebang passes (first line of src/cli/main.ts: `#!/usr/bin/env -S node
 * --max-old-space-size=1024`), so `node MAIN` runs as `sluice` does. BENCH_NODE_FLAGS (space-separated) replaces
 * them for an experiment, e.g. BENCH_NODE_FLAGS=--max-semi-space-size=4.
 */
export const SLUICE_NODE_FLAGS: string[] = (process.env.BENCH_NODE_FLAGS ?? shebangFlags()).split(' ').filter(Boolean);

function shebangFlags(): string {
  const first = readFileSync(fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)), 'utf8').split('\n', 1)[0]!;
  const m = /^#!.*\bnode\b(.*)$/.exec(first);
  return m?.[1]?.trim() ?? '';
}
export const WRITE_KEY = 'bench-write-key-0001';
/** HTTP Basic with the write key as username and an empty password, as Segment's SDKs send it. */
export const AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

export interface SluiceServer extends Server {
  /** Holds the config and the data dir; remove it when done. */
  dir: string;
}

/**
 * `extra` is merged into the config (destinations, admin_token...); without it, one source and defaults. `opts.cpu`
 * pins it elsewhere than the server core (a list like "0,1" lets it float over both); `opts.args` are added to
 * `sluice start` (--role...).
 */
export async function startSluice(extra: Record<string, unknown> = {}, opts: { cpu?: number | string; args?: readonly string[] } = {}): Promise<SluiceServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const config = join(dir, 'sluice.yaml');
  // Defaults everywhere else (limits, max_queued_bytes 32 MB, max_rows_per_commit...): the benchmark measures what
  // an operator gets out of the box.
  // JSON is YAML: the config is written as JSON so that `extra` can be any structure.
  writeFileSync(config, `${JSON.stringify({ sources: [{ name: 'bench', write_keys: [WRITE_KEY] }], ...extra }, null, 2)}\n`);
  const dataDir = join(dir, 'data');
  const server = await startServer([...SLUICE_NODE_FLAGS, MAIN, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', config, ...(opts.args ?? [])], {
    cpu: opts.cpu ?? SERVER_CPU,
    env: { LOG_LEVEL: 'info' },
  });
  return { ...server, dir };
}
