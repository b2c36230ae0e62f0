// The ceilings: what the same core and the same client give with no Sluice in the way. (a) node:http reading the
// body and answering 200, (b) the same plus JSON.parse, (c) fsync'd SQLite inserts. Sluice's figures are read as a
// share of these, which says more than a bare number measured on an unknown machine.
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOpenLoop, type OpenLoopResult } from '../lib/open-loop.js';
import { runPinned, SERVER_CPU, startServer } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { AUTH } from '../lib/sluice.js';
import { runWrk } from '../lib/wrk.js';
import { capacity, type Capacity, log, undisturbed } from './common.js';
import { CLIENT_TIMEOUT_MS, OPEN_LOOP_CONNS, OVERLOAD_CONNS, OVERLOAD_S, RUN_S, RUNS, SQLITE_RUN_S, SQLITE_TXN_ROWS, WARMUP_S } from './plan.js';

const BARE = fileURLToPath(new URL('../ceilings/bare-server.ts', import.meta.url));
const SQLITE = fileURLToPath(new URL('../ceilings/sqlite-inserts.ts', import.meta.url));

/** Capacity of the bare server (with --json: also parsing every body) for one body template. */
export async function bareCapacity(template: string, path: string, json: boolean): Promise<Capacity> {
  const server = await startServer(['--import', 'tsx', BARE, ...(json ? ['--json'] : [])], { cpu: SERVER_CPU });
  try {
    return await capacity(`${server.url}${path}`, template, AUTH, json ? 'bare+JSON.parse' : 'bare', server.pid);
  } finally {
    await server.stop();
  }
}

/** The bare server's latency at a fixed rate: the floor any server on this machine and client can reach. */
export async function bareAtRate(template: string, path: string, json: boolean, rate: number): Promise<OpenLoopResult> {
  const server = await startServer(['--import', 'tsx', BARE, ...(json ? ['--json'] : [])], { cpu: SERVER_CPU });
  try {
    const url = `${server.url}${path}`;
    // A short closed-loop run first, so the JIT has compiled the server's hot path before latency counts.
    await runWrk({ url, template, auth: AUTH, connections: OPEN_LOOP_CONNS, seconds: WARMUP_S });
    const { result } = await undisturbed(`bare${json ? '+JSON' : ''} at ${Math.round(rate)} req/s`, () =>
      runOpenLoop({ url, template, auth: AUTH, rate, seconds: RUN_S, conns: OPEN_LOOP_CONNS, maxConns: OPEN_LOOP_CONNS, timeoutMs: CLIENT_TIMEOUT_MS }),
    );
    log(`  bare${json ? '+JSON' : ''} at ${Math.round(rate)} req/s: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`);
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * What the bare server answers over OVERLOAD_CONNS keep-alive connections, closed loop (median of RUNS runs): the
 * ceiling of the overload runs. Many sockets cost a server more per request than a few (more reads and writes per
 * event-loop turn, fewer requests per read), so this is below bareCapacity; offered twice Sluice's capacity, a
 * server may be asked for more than any node:http server on the core can answer, and the rest waits in the client.
 */
export async function bareOverConnections(template: string, path: string, json: boolean): Promise<{ server: string; rps: number; runs: number[] }> {
  const server = await startServer(['--import', 'tsx', BARE, ...(json ? ['--json'] : [])], { cpu: SERVER_CPU });
  const label = `bare${json ? '+JSON' : ''} over ${OVERLOAD_CONNS} connections`;
  try {
    const url = `${server.url}${path}`;
    await runWrk({ url, template, auth: AUTH, connections: OVERLOAD_CONNS, seconds: WARMUP_S });
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { result } = await undisturbed(label, () => runWrk({ url, template, auth: AUTH, connections: OVERLOAD_CONNS, seconds: OVERLOAD_S, timeoutS: CLIENT_TIMEOUT_MS / 1000 }));
      runs.push(Math.round(result.rps));
    }
    log(`  ${label}: ${runs.join(', ')} req/s`);
    return { server: json ? 'bare node:http + JSON.parse' : 'bare node:http', rps: median(runs), runs };
  } finally {
    await server.stop();
  }
}

export interface SqliteCeiling {
  txnRows: number;
  /** Rows per second made durable, median of RUNS runs. */
  rowsPerSec: number;
  runs: number[];
  /** The same with a (source, messageId) key inserted per row, as Sluice's dedupe does. */
  withDedupeKey: { rowsPerSec: number; runs: number[] };
}

export async function sqliteCeilings(): Promise<SqliteCeiling[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-sqlite-'));
  const out: SqliteCeiling[] = [];
  try {
    for (const txn of SQLITE_TXN_ROWS) {
      const measure = async (dedupe: boolean): Promise<number[]> => {
        const runs: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const args = ['--import', 'tsx', SQLITE, '--dir', join(dir, `${txn}-${dedupe}-${i}`), '--txn', String(txn), '--seconds', String(SQLITE_RUN_S)];
          const { result: line } = await undisturbed(`SQLite ${txn} row(s)/txn${dedupe ? ' with dedupe key' : ''}`, () => runPinned(SERVER_CPU, process.execPath, dedupe ? [...args, '--dedupe'] : args));
          runs.push(Math.round((JSON.parse(line.trim()) as { rowsPerSec: number }).rowsPerSec));
        }
        return runs;
      };
      const plain = await measure(false);
      const keyed = await measure(true);
      log(`  SQLite ${txn} row(s)/txn: ${plain.join(', ')} rows/s; with dedupe key: ${keyed.join(', ')} rows/s`);
      out.push({ txnRows: txn, rowsPerSec: median(plain), runs: plain, withDedupeKey: { rowsPerSec: median(keyed), runs: keyed } });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
