// Builds the rollups of the older events of the model straight into the store, for the rollups benchmark's queries:
// events 1..--upto are counted here, hour by hour, into the increments the rollups consumer would make of them, and
// applied through the store's own write (SqliteRollupStore.apply: the writer thread's `rollup:apply`, position
// included). This stands for a month the rollups counted long ago, whose events retention has since dropped from
// the log. The log's sequence is then set to --upto, so the events appended next are numbered from --upto + 1, as
// if the log had held the earlier ones.
//
// Also writes --expected: what every counter should hold once all the model's events are counted (these and the ones
// the real consumer counts from the log), and the true number of distinct people, for the benchmark's check.
// Prints one JSON line: {"seconds":S,"batches":B,"counterRows":R}.
// Usage: node build.ts --db PATH --params JSON --upto N --expected FILE
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type * as LogModule from '../../src/backends/sqlite/sqlite-log.js';
import type * as StoreModule from '../../src/backends/sqlite/rollup-store.js';
import type * as HllModule from '../../src/rollups/hll.js';
import type * as CoverModule from '../../src/rollups/sketch-cover.js';
import type { BreakdownIncrement, CounterIncrement, RollupBatch } from '../../src/rollups/store.js';
import { defaultLogOptions, fromDist } from './dist.js';
import {
  BREAKDOWN,
  CAMPAIGNS,
  type Fields,
  KIND_IDENTIFY,
  KIND_PAGE,
  Model,
  type ModelParams,
  ORDER,
  PATH_COUNT,
  pathOf,
  PAYMENT_METHODS,
  REFERRER_HOSTS,
  revenueUnits,
  SOURCE,
  TRACK_NAMES,
} from './model.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, params: { type: 'string' }, upto: { type: 'string' }, expected: { type: 'string' } } });
if (values.db === undefined || values.params === undefined || values.upto === undefined || values.expected === undefined) {
  throw new Error('usage: --db PATH --params JSON --upto N --expected FILE');
}
const params = JSON.parse(values.params) as ModelParams;
const upto = Number(values.upto);

const { SqliteLog } = await fromDist<typeof LogModule>('backends/sqlite/sqlite-log.js');
const { SqliteRollupStore } = await fromDist<typeof StoreModule>('backends/sqlite/rollup-store.js');
const { HyperLogLog, hash64 } = await fromDist<typeof HllModule>('rollups/hll.js');
const { sketchKeysOfHour } = await fromDist<typeof CoverModule>('rollups/sketch-cover.js');

/** Counts of one run of events, by key index: what aggregate() would sum for them. */
class Counts {
  page = 0;
  identify = 0;
  track = new Float64Array(TRACK_NAMES.length);
  revenue = new Float64Array(TRACK_NAMES.length);
  pages = new Float64Array(PATH_COUNT);
  referrers = new Float64Array(REFERRER_HOSTS.length);
  campaigns = new Float64Array(CAMPAIGNS.length);
  /** PAYMENT_METHODS, then missing. */
  payments = new Float64Array(PAYMENT_METHODS.length + 1);

  reset(): void {
    this.page = 0;
    this.identify = 0;
    for (const a of [this.track, this.revenue, this.pages, this.referrers, this.campaigns, this.payments]) a.fill(0);
  }

  /** As counter keys: metric\0k1\0k2\0k3 → n (breakdowns with the store's sentinel for missing). */
  entries(): [string, CounterIncrement['metric'], string, string, string, number][] {
    const out: [string, CounterIncrement['metric'], string, string, string, number][] = [];
    const add = (metric: CounterIncrement['metric'], k1: string, k2: string, k3: string, n: number): void => {
      if (n !== 0) out.push([`${metric}\u0000${k1}\u0000${k2}\u0000${k3}`, metric, k1, k2, k3, n]);
    };
    add('events', 'page', '', '', this.page);
    add('events', 'identify', '', '', this.identify);
    TRACK_NAMES.forEach((name, k) => add('events', 'track', name, '', this.track[k]!));
    TRACK_NAMES.forEach((name, k) => add('revenue', name, '', '', this.revenue[k]!));
    for (let k = 0; k < PATH_COUNT; k++) add('pages', pathOf(k), '', '', this.pages[k]!);
    REFERRER_HOSTS.forEach((host, k) => add('referrers', host, '', '', this.referrers[k]!));
    CAMPAIGNS.forEach((c, k) => add('campaigns', c, '', '', this.campaigns[k]!));
    return out;
  }
}

const model = new Model(params);
const log = new SqliteLog(defaultLogOptions(values.db));
const store = new SqliteRollupStore(log);

const started = performance.now();
const hourCounts = new Counts();
const totals = new Counts();
/** Per person: the batch that last saw them (distinct people per hour), and whether ever seen. */
const seenIn = new Int32Array(params.users).fill(-1);
const everSeen = new Uint8Array(params.users);
let people: number[] = [];
const hashHi = new Uint32Array(params.users);
const hashLo = new Uint32Array(params.users);
let batchNo = 0;
let counterRows = 0;
const inFlight: Promise<unknown>[] = [];

/** The hour's increments, applied as one batch through the store, as the consumer applies one read. */
async function flush(hour: number, firstSeq: number, lastSeq: number): Promise<void> {
  const counters: CounterIncrement[] = hourCounts.entries().map(([, metric, k1, k2, k3, n]) => ({ metric, hour, source: SOURCE, k1, k2, k3, n }));
  const breakdowns: BreakdownIncrement[] = [];
  hourCounts.payments.forEach((n, k) => {
    if (n > 0) breakdowns.push({ hour, source: SOURCE, event: BREAKDOWN.event, property: BREAKDOWN.property, value: PAYMENT_METHODS[k] ?? null, maxValues: BREAKDOWN.max_values, n });
  });
  const hll = new HyperLogLog();
  for (const user of people) {
    // hll.add(id), with each person's id hashed once for the whole month rather than once per hour.
    if (hashHi[user] === 0 && hashLo[user] === 0) [hashHi[user], hashLo[user]] = hash64(model.countedId(user));
    hll.addHash(hashHi[user]!, hashLo[user]!);
  }
  const sketch = hll.toBytes();
  const batch: RollupBatch = {
    firstSeq,
    lastSeq,
    counters,
    breakdowns,
    // The hour's sketch goes into every level that holds the hour, as aggregate() merges it.
    sketches: sketchKeysOfHour(hour).map((key) => ({ ...key, source: SOURCE, sketch })),
  };
  counterRows += counters.length + breakdowns.length;
  inFlight.push(
    store.apply(batch).then((r) => {
      if (r.outcome !== 'applied') throw new Error(`build: batch ${firstSeq}..${lastSeq} was ${r.outcome} (store at ${r.position})`);
    }),
  );
  if (inFlight.length >= 4) await inFlight.shift();
  hourCounts.reset();
  people = [];
  batchNo++;
}

/** What aggregate() counts of one event (extract.ts's rules, applied to the model's fields). */
function count(c: Counts, f: Fields): void {
  if (f.kind === KIND_PAGE) {
    c.page++;
    c.pages[f.path]!++;
    if (f.referrer >= 0) c.referrers[f.referrer]!++;
    if (f.campaign >= 0) c.campaigns[f.campaign]!++;
  } else if (f.kind === KIND_IDENTIFY) c.identify++;
  else {
    c.track[f.name]!++;
    if (f.cents > 0) c.revenue[f.name]! += revenueUnits(f.cents);
    if (f.name === ORDER) c.payments[f.payment >= 0 ? f.payment : PAYMENT_METHODS.length]!++;
  }
}

let batchFirst = 1;
let batchHour = model.firstHour;
for (let i = 1; i <= params.events; i++) {
  const f = model.fields(i);
  const hour = Math.floor(f.time / 3_600_000);
  const counting = i <= upto;
  if (counting && hour !== batchHour) {
    if (i > batchFirst) await flush(batchHour, batchFirst, i - 1);
    batchFirst = i;
    batchHour = hour;
  }
  if (counting) count(hourCounts, f);
  count(totals, f);
  everSeen[f.user] = 1;
  if (counting && seenIn[f.user] !== batchNo) {
    seenIn[f.user] = batchNo;
    people.push(f.user);
  }
  if (i === upto) await flush(batchHour, batchFirst, i);
}
await Promise.all(inFlight);
await log.close();

// The log's numbering continues after the events counted here (sqlite_sequence is AUTOINCREMENT's own counter).
const db = new Database(values.db);
db.prepare("DELETE FROM sqlite_sequence WHERE name = 'events'").run();
db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(BigInt(upto)); // an INTEGER, as AUTOINCREMENT writes it
db.close();

const expected: Record<string, number> = {};
for (const [key, , , , , n] of totals.entries()) expected[key] = n;
totals.payments.forEach((n, k) => {
  if (n > 0) expected[`breakdowns\u0000${BREAKDOWN.event}\u0000${BREAKDOWN.property}\u0000${PAYMENT_METHODS[k] ?? '\u0000missing'}`] = n;
});
let distinct = 0;
for (const s of everSeen) distinct += s;
writeFileSync(values.expected, JSON.stringify({ counters: expected, distinctPeople: distinct }));
process.stdout.write(`${JSON.stringify({ seconds: Math.round(performance.now() - started) / 1000, batches: batchNo, counterRows })}\n`);
