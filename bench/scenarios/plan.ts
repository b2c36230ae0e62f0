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
/** CPU the hypervisor took for other guests (steal), in cores over both CPUs, above which a run is marked disturbed. */
export const MAX_STOLEN_CORES = 0.1;
export const MAX_RETRIES = 2;

/** Targets, as the brief states them. */
export const TARGETS = {
  singleRatio: 0.5,
  batchRatio: 0.35,
  singleHalfLoadP99Ms: 5,
  batchHalfLoadP99Ms: 25,
  overloadMaxRssMb: 256,
} as const;

/**
 * Delivery (bench/scenarios/delivery.ts). A pre-filled log is drained by one destination runner per run, RUNS runs
 * per destination, each in a fresh process; the first DELIVERY_*_WARMUP events of each run are not timed (JIT,
 * connections, SQLite page cache).
 */
export const DELIVERY_BATCHED_EVENTS = QUICK ? 20_000 : 60_000;
export const DELIVERY_BATCHED_WARMUP = QUICK ? 5_000 : 10_000;
export const DELIVERY_PER_EVENT_EVENTS = QUICK ? 2_000 : 6_000;
export const DELIVERY_PER_EVENT_WARMUP = QUICK ? 500 : 1_000;
/** Events per request for the batching destinations (Amplitude and Mixpanel allow 2,000). */
export const DELIVERY_BATCH_EVENTS = 1000;
/** Requests in flight for the per-event webhook (and its ceiling client). */
export const DELIVERY_PER_EVENT_IN_FLIGHT = 64;
/** The ceiling client: a warm-up, then RUNS timed windows of this many seconds. */
export const DELIVERY_CEILING_WARMUP_S = QUICK ? 0.5 : 1;
export const DELIVERY_CEILING_WINDOW_S = QUICK ? 1 : 1.5;
/**
 * End-to-end latency and the backlog drain run at this share of the single-call ingest capacity measured in the same
 * run, or at DELIVERY_FIXED_RATE requests/s when the ingest scenarios were not run (npm run bench -- delivery).
 */
export const DELIVERY_LOAD_SHARE = 0.1;
export const DELIVERY_FIXED_RATE = 500;
/** The outage: events ingested at that rate with the destinations paused, before they resume. */
export const DELIVERY_OUTAGE_S = QUICK ? 3 : 10;

/** Delivery targets, as the issue states them. */
export const DELIVERY_TARGETS = {
  amplitudeEventsPerSec: 40_000,
  webhookBatchedEventsPerSec: 40_000,
  perEventCeilingRatio: 0.25,
  latencyP50Ms: 5,
  latencyP99Ms: 50,
  drainRatio: 1.5,
} as const;
