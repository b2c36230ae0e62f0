// The rollups consumer draining a backlog, for the rollups benchmark: opens the SQLite log as `sluice start` does
// (default settings), starts the rollups exactly as it does (startRollups with the SQLite rollup store and the
// benchmark's breakdown), lets it count --warmup events untimed, then times it until its cursor reaches --until (the
// log's head by default): every event up to there counted, its increments and the rollups' position committed, and
// the read acknowledged. Reads are --batch events (the config's max_batch_events, default 1,000), so with --until a
// multiple of that past the start the cursor lands on it exactly; the consumer may read a batch further before it
// stops, which the next run's warm-up absorbs. The whole process (main thread, writer and checkpointer threads) runs
// on the core it is pinned to. Prints one line: ROLLUPS_JSON {...}.
// Usage: node drain.ts --db PATH --warmup W [--until SEQ] [--batch N]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type * as LogModule from '../../src/backends/sqlite/sqlite-log.js';
import type * as StoreModule from '../../src/backends/sqlite/rollup-store.js';
import type * as ConfigModule from '../../src/rollups/config.js';
import type * as ConsumerModule from '../../src/rollups/rollups-consumer.js';
import { defaultLogOptions, fromDist } from './dist.js';
import { BREAKDOWN } from './model.js';

export interface DrainResult {
  /** Events timed (after the warm-up), and how long they took. */
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** CPU time of the whole process (main thread, SQLite writer and checkpointer threads) per event, in µs. */
  cpuUsPerEvent: number;
  /** Share of the timed span the process was on a CPU (1 = the whole core). */
  cpuShare: number;
  /** Share of the timed span the main thread's event loop was busy. */
  eventLoopUtilization: number;
  /** Log positions drained: from (exclusive) .. to. */
  fromSeq: number;
  toSeq: number;
  batchEvents: number;
  lastError: string | null;
}

const { values } = parseArgs({ options: { db: { type: 'string' }, warmup: { type: 'string', default: '0' }, until: { type: 'string' }, batch: { type: 'string' } } });
if (values.db === undefined) throw new Error('usage: --db PATH --warmup W [--until SEQ] [--batch N]');
const warmup = Number(values.warmup);

const { SqliteLog } = await fromDist<typeof LogModule>('backends/sqlite/sqlite-log.js');
const { SqliteRollupStore } = await fromDist<typeof StoreModule>('backends/sqlite/rollup-store.js');
const { rollupsSchema } = await fromDist<typeof ConfigModule>('rollups/config.js');
const { ROLLUPS_CONSUMER, startRollups } = await fromDist<typeof ConsumerModule>('rollups/rollups-consumer.js');

// The config as sluice.yaml would give it: defaults (1,000 events per batch) and one breakdown.
const config = rollupsSchema.parse({ breakdowns: [BREAKDOWN], ...(values.batch === undefined ? {} : { max_batch_events: Number(values.batch) }) });
const log = new SqliteLog(defaultLogOptions(values.db));
const store = new SqliteRollupStore(log);
const logger = pino({ level: 'warn' }, pino.destination(2));

// startRollups opens this same consumer (the log hands out one instance per name): its cursor tells the progress.
const consumer = await log.consumer(ROLLUPS_CONSUMER, { startAt: 'earliest' });
// The head without log.stats(), which also counts the rows (a full scan, seconds on a big log).
const logHead = Number(log.readDb.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0);
const head = values.until === undefined ? logHead : Math.min(logHead, Number(values.until));
const fromSeq = consumer.position();
const storePosition = await store.position();
const firstLogged = (await log.scan(fromSeq, 1))[0]?.seq ?? logHead;
// Events before the first one in the log were counted by the state builder; the timed span starts after the warm-up.
const measureFrom = Math.max(fromSeq, storePosition, firstLogged - 1) + warmup;
if (measureFrom >= head) throw new Error(`drain: nothing to time (log head ${logHead}, until ${head}, consumer at ${fromSeq}, store at ${storePosition}, warm-up ${warmup})`);

const rollups = await startRollups(log, store, config, logger);
const mark = (): { t: number; cpu: NodeJS.CpuUsage; elu: ReturnType<typeof performance.eventLoopUtilization>; pos: number } => ({
  t: performance.now(),
  cpu: process.cpuUsage(),
  elu: performance.eventLoopUtilization(),
  pos: consumer.position(),
});
const { from, to } = await new Promise<{ from: ReturnType<typeof mark>; to: ReturnType<typeof mark> }>((resolve) => {
  let from: ReturnType<typeof mark> | null = null;
  const timer = setInterval(() => {
    const pos = consumer.position();
    if (from === null && pos >= measureFrom) from = mark();
    if (pos >= head) {
      clearInterval(timer);
      const to = mark();
      resolve({ from: from ?? to, to });
    }
  }, 2);
});
const status = await rollups.status();
await rollups.stop();
await log.close();

const events = to.pos - from.pos;
if (events <= 0) throw new Error('drain: the timed span held no events');
const seconds = (to.t - from.t) / 1000;
const cpuUs = to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system;
const result: DrainResult = {
  events,
  seconds: Math.round(seconds * 1000) / 1000,
  eventsPerSec: Math.round(events / seconds),
  cpuUsPerEvent: Math.round((cpuUs / events) * 10) / 10,
  cpuShare: Math.round((cpuUs / 1e6 / seconds) * 100) / 100,
  eventLoopUtilization: Math.round(performance.eventLoopUtilization(to.elu, from.elu).utilization * 100) / 100,
  fromSeq: from.pos,
  toSeq: to.pos,
  batchEvents: config.max_batch_events,
  lastError: status.lastError?.reason ?? null,
};
process.stdout.write(`ROLLUPS_JSON ${JSON.stringify(result)}\n`);
process.exit(0);
