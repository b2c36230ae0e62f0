// One destination runner draining a backlog, for the delivery benchmark: opens the pre-filled SQLite log, points
// the destination's consumer at the last WARMUP+EVENTS events, builds the runner exactly as `sluice start` does
// (validateDestinations with every destination type, then startPipeline with Prometheus telemetry and a pino
// logger), and times the last EVENTS of them, from the moment the warm-up events are settled until the consumer's
// lag is 0 (its cursor at the head: every event delivered and its acknowledgement durable).
// Prints one line: DELIVERY_JSON {...}.
// Usage: node runner.ts --db PATH --destination JSON --events N --warmup W
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type * as LogModule from '../../src/backends/sqlite/sqlite-log.js';
import type * as ModulesModule from '../../src/app/destination-modules.js';
import type * as RegistryModule from '../../src/app/destination-registry.js';
import type * as MetricsModule from '../../src/app/metrics.js';
import type * as PipelineModule from '../../src/app/pipeline.js';
import { fromDist } from './dist.js';
import { defaultLogOptions } from '../lib/log-options.js';

export interface RunnerResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** CPU time of the whole process (main thread, SQLite writer and checkpointer threads) per event, in µs. */
  cpuUsPerEvent: number;
  /** The part of cpuUsPerEvent spent on the main thread (reading, transforms, mapping, HTTP); the rest is other threads (SQLite writer and checkpointer, GC helpers). */
  mainThreadUsPerEvent: number;
  /** Share of the measured time the process was on a CPU (1 = the whole core). */
  cpuShare: number;
  /** Share of the measured time the main thread's event loop was busy. */
  eventLoopUtilization: number;
  /** Whole drain, warm-up included. */
  totalSeconds: number;
  deadLetters: number;
  retrying: number;
}

const { values } = parseArgs({ options: { db: { type: 'string' }, destination: { type: 'string' }, events: { type: 'string' }, warmup: { type: 'string', default: '0' } } });
if (values.db === undefined || values.destination === undefined || values.events === undefined) throw new Error('usage: --db PATH --destination JSON --events N [--warmup W]');
const events = Number(values.events);
const warmup = Number(values.warmup);
const raw = JSON.parse(values.destination) as { name: string };

const { SqliteLog } = await fromDist<typeof LogModule>('backends/sqlite/sqlite-log.js');
const { DESTINATION_MODULES } = await fromDist<typeof ModulesModule>('app/destination-modules.js');
const { validateDestinations } = await fromDist<typeof RegistryModule>('app/destination-registry.js');
const { Metrics } = await fromDist<typeof MetricsModule>('app/metrics.js');
const { destinationConsumerName, startPipeline } = await fromDist<typeof PipelineModule>('app/pipeline.js');

const { entries, problems } = validateDestinations([raw], DESTINATION_MODULES, {});
if (problems.length > 0) throw new Error(`destination config: ${problems.join('; ')}`);

// Sluice's default log settings (src/app/start.ts with the config defaults).
const log = new SqliteLog(defaultLogOptions(values.db));
const logger = pino({ level: 'warn' }, pino.destination(2));

// The pipeline opens this same consumer (the log hands out one instance per name), so the seek applies to it.
const consumer = await log.consumer(destinationConsumerName(raw.name), { startAt: 'earliest' });
const head = (await log.stats()).headSeq;
if (head < warmup + events) throw new Error(`the log holds ${head} events; ${warmup + events} asked for`);
await consumer.seek(head - warmup - events);
const measureFrom = head - events;

const t0 = performance.now();
const pipeline = await startPipeline(entries, { log, state: log, telemetry: new Metrics(), logger });

/** CPU time of the main thread in µs, from /proc (its thread id is the process id). */
function mainThreadUs(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000; // clock ticks of 10 ms
}

const mark = (): { t: number; cpu: NodeJS.CpuUsage; main: number; elu: ReturnType<typeof performance.eventLoopUtilization> } => ({
  t: performance.now(),
  cpu: process.cpuUsage(),
  main: mainThreadUs(),
  elu: performance.eventLoopUtilization(),
});
const { from, to } = await new Promise<{ from: ReturnType<typeof mark>; to: ReturnType<typeof mark> }>((resolve) => {
  let from = consumer.position() >= measureFrom ? mark() : null;
  const timer = setInterval(() => {
    const pos = consumer.position();
    if (from === null && pos >= measureFrom) from = mark();
    if (from !== null && pos >= head) {
      clearInterval(timer);
      resolve({ from, to: mark() });
    }
  }, 2);
});

const seconds = (to.t - from.t) / 1000;
const cpuUs = to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system;
const result: RunnerResult = {
  events,
  seconds: Math.round(seconds * 1000) / 1000,
  eventsPerSec: Math.round(events / seconds),
  cpuUsPerEvent: Math.round((cpuUs / events) * 10) / 10,
  mainThreadUsPerEvent: Math.round(((to.main - from.main) / events) * 10) / 10,
  cpuShare: Math.round((cpuUs / 1e6 / seconds) * 100) / 100,
  eventLoopUtilization: Math.round(performance.eventLoopUtilization(to.elu, from.elu).utilization * 100) / 100,
  totalSeconds: Math.round(to.t - t0) / 1000,
  deadLetters: await consumer.deadLetterCount(),
  retrying: await consumer.retrying(),
};
await pipeline.stop();
await log.close();
process.stdout.write(`DELIVERY_JSON ${JSON.stringify(result)}\n`);
process.exit(0);
