// Steps every scenario shares: measure capacity closed-loop, and wait for a server to go quiet between runs.
import { readFileSync } from 'node:fs';
import { foreignCpu, stolenCpu, waitQuiet } from '../lib/machine.js';
import { cpuSeconds } from '../lib/proc.js';
import { medianRun } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { CAPACITY_CONNS, MAX_FOREIGN_CORES, MAX_RETRIES, MAX_STOLEN_CORES, RUN_S, RUNS, WARMUP_S } from './plan.js';

export interface Capacity {
  /** The median run (by requests per second). */
  median: WrkResult;
  /** Requests per second of every measured run, to show the spread. */
  rpsRuns: number[];
  /** CPU (in cores) used by other processes during each kept run. */
  foreignCores: number[];
  /**
   * The server's own CPU time (every thread: request handling, the SQLite writer, consumers, GC) per accepted request
   * in the median run, in µs, and the share of a core it used. Absent when no pid was given.
   */
  cpu?: { usPerRequest: number; cores: number };
}

/** Every run that other processes disturbed, kept or thrown away, for the record. */
export const disturbedRuns: { label: string; foreignCores: number; stolenCores?: number; retried: boolean }[] = [];

/** The runs kept although disturbed, as the warning line every part prints; empty when there are none. */
export function keptDisturbedWarning(prefix: string): string {
  const kept = disturbedRuns.filter((d) => !d.retried);
  if (kept.length === 0) return '';
  return `${prefix}: ${kept.map((d) => `${d.label} (${d.foreignCores} cores${d.stolenCores === undefined ? '' : `, steal ${d.stolenCores}`})`).join('; ')}`;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Runs one measurement while watching the CPU use of processes outside the benchmark (someone's test suite, a
 * build). If they took more than MAX_FOREIGN_CORES, the figure says more about them than about the server: the run is
 * repeated, up to MAX_RETRIES times, and the last attempt is kept either way (and recorded as disturbed).
 * It also watches the CPU the hypervisor gave other guests (steal). Above MAX_STOLEN_CORES the run is kept but
 * recorded as disturbed, not repeated: on the host where this was added, steal rose with the benchmark's own load
 * (0.26–0.38 cores during every 1,000-connection run), so a repeat met the same.
 */
export async function undisturbed<T>(label: string, run: () => Promise<T>): Promise<{ result: T; foreignCores: number }> {
  for (let attempt = 0; ; attempt++) {
    const meter = foreignCpu();
    const stolen = stolenCpu();
    const result = await run();
    const foreignCores = Math.round(meter.stop() * 100) / 100;
    const stolenCores = Math.round(stolen.stop() * 100) / 100;
    if (foreignCores <= MAX_FOREIGN_CORES) {
      if (stolenCores > MAX_STOLEN_CORES) {
        disturbedRuns.push({ label, foreignCores, stolenCores, retried: false });
        log(`  ${label}: the host took ${stolenCores} cores (steal) during the run; keeping it, marked as disturbed`);
      }
      return { result, foreignCores };
    }
    const retry = attempt < MAX_RETRIES;
    disturbedRuns.push({ label, foreignCores, stolenCores, retried: retry });
    log(`  ${label}: other processes used ${foreignCores} cores during the run; ${retry ? 'repeating it' : 'keeping it, marked as disturbed'}`);
    if (!retry) return { result, foreignCores };
    await waitQuiet(30_000, () => log('  waiting for the CPUs to be quiet...'));
  }
}

/**
 * Warm up (JIT, SQLite page cache, connection set-up), then RUNS runs; reports the median one. With the server's
 * `pid`, also what CPU it spent per accepted request: where a ratio to a ceiling is missed, this says by how much
 * work, whatever the host's speed that minute.
 */
export async function capacity(url: string, template: string, auth: string, label: string, pid?: number): Promise<Capacity> {
  await runWrk({ url, template, auth, connections: CAPACITY_CONNS, seconds: WARMUP_S });
  const runs: (WrkResult & { cpu?: { usPerRequest: number; cores: number } })[] = [];
  const foreignCores: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // The server's CPU is read around each attempt (a disturbed run is repeated): it must cover what wrk measured.
    let used = NaN;
    const { result: raw, foreignCores: f } = await undisturbed(`${label} run ${i + 1}`, async () => {
      const cpu0 = pid === undefined ? NaN : cpuSeconds(pid);
      const result = await runWrk({ url, template, auth, connections: CAPACITY_CONNS, seconds: RUN_S });
      if (pid !== undefined) used = cpuSeconds(pid) - cpu0;
      return result;
    });
    // Capacity is what the server accepted: a 429 (shed) or any other non-2xx answer is cheap and not ingest.
    const accepted = raw.requests - raw.errors.status;
    const r: (typeof runs)[number] = { ...raw, rps: accepted / raw.seconds };
    if (pid !== undefined) r.cpu = { usPerRequest: Math.round((used * 1e6) / accepted), cores: Math.round((used / raw.seconds) * 100) / 100 };
    const cpuNote = r.cpu === undefined ? '' : `, server CPU ${r.cpu.usPerRequest} µs/request (${r.cpu.cores} cores)`;
    log(`  ${label} run ${i + 1}: ${Math.round(r.rps)} req/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, max ${r.latencyMs.max.toFixed(0)} ms${cpuNote}`);
    const failed = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
    if (failed > 0) log(`  ${label} run ${i + 1}: ${failed} failed requests ${JSON.stringify(r.errors)}`);
    runs.push(r);
    foreignCores.push(f);
  }
  const median = medianRun(runs, (r) => r.rps);
  return { median, rpsRuns: runs.map((r) => Math.round(r.rps)), foreignCores, ...(median.cpu === undefined ? {} : { cpu: median.cpu }) };
}

/** CPU time (user + system) a process has used so far, in clock ticks (10 ms); 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    // utime and stime are fields 14 and 15 of /proc/PID/stat; the command name (field 2) may hold spaces, so count
    // from the closing parenthesis.
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(after[11]) + Number(after[12]);
  } catch {
    return 0;
  }
}

/**
 * Waits until the server has stopped working off what the last run left it (requests still queued when the client
 * hung up): under 10% of a core over 250 ms, or 15 s at most. Otherwise the next run would pay for the last one.
 */
export async function settle(pid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let before = cpuTicks(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuTicks(pid);
    if (now - before <= 2) return; // clock ticks are 10 ms: 2 ticks in 250 ms is 8% of a core
    before = now;
  }
}
