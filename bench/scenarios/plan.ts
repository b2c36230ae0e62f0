// The knobs of one benchmark run, in one place. Sized so the whole run takes about four minutes on 2 cores.

/** BENCH_QUICK=1: one short run of everything, to check the bench itself works (figures are not to be quoted). */
const QUICK = process.env.BENCH_QUICK === '1';

/** Closed-loop capacity: a warm-up, then RUNS measured runs of RUN_S seconds; the median run is reported. */
export const RUNS = QUICK ? 1 : 3;
export const RUN_S = QUICK ? 2 : 5;
export const WARMUP_S = QUICK ? 1 : 2;
/**
 * Connections for the capacity runs. Enough that neither server idles between requests (group commit needs
 * requests arriving while a commit is in flight), few enough that the latency at capacity still means something.
 */
export const CAPACITY_CONNS = 64;

/** The fixed-rate latency runs: this share of the measured capacity, open loop. */
export const HALF_LOAD = 0.5;
/** Sockets for the fixed-rate runs (as many as the capacity runs use); a request that finds all busy waits for one, on the clock. */
export const OPEN_LOOP_CONNS = 64;

/** Overload: this multiple of the measured capacity, offered open loop over up to OVERLOAD_CONNS sockets. */
export const OVERLOAD_FACTOR = 2;
export const OVERLOAD_CONNS = 1000;
export const OVERLOAD_S = QUICK ? 2 : 5;
/** A client gives up on a request after this long: @segment/analytics-node's default httpRequestTimeout. */
export const CLIENT_TIMEOUT_MS = 10_000;
/** Server RSS is sampled this often during the overload runs. */
export const RSS_EVERY_MS = 250;

/** SQLite ceiling: rows per transaction, and seconds per run (RUNS runs each, median reported). */
export const SQLITE_TXN_ROWS = [1, 100] as const;
export const SQLITE_RUN_S = QUICK ? 1 : 2;

/**
 * A run during which processes outside the benchmark used more than this much CPU (in cores) is repeated, at most
 * MAX_RETRIES times (after waiting for the CPUs to be quiet). Measured from /proc/stat minus the benchmark's own
 * processes and kernel threads.
 */
export const MAX_FOREIGN_CORES = 0.15;
export const MAX_RETRIES = 2;

/** Targets, as the brief states them. */
export const TARGETS = {
  singleRatio: 0.5,
  batchRatio: 0.35,
  singleHalfLoadP99Ms: 5,
  batchHalfLoadP99Ms: 25,
  overloadMaxRssMb: 256,
} as const;
