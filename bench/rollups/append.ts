// Appends the model's events --from..--to (numbered as the model numbers them) to the SQLite log, for the rollups
// consumer to count. Each 50 events go through Sluice's ingest code (prepareBatch: validation, normalization,
// serialization) as one /v1/batch request received just after its last event, so the stored bodies and times are
// what a running server would have stored; 200 such requests make one append. Setup, not measured.
// Prints one JSON line: {"events":N,"avgBodyBytes":B,"seconds":S}.
// Usage: node append.ts --db PATH --params JSON --from A --to B
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type * as LimitsModule from '../../src/core/limits.js';
import type * as LogModule from '../../src/backends/sqlite/sqlite-log.js';
import type * as IngestModule from '../../src/sources/http/ingest.js';
import { defaultLogOptions, fromDist } from './dist.js';
import { Model, type ModelParams, SOURCE } from './model.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, params: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
if (values.db === undefined || values.params === undefined || values.from === undefined || values.to === undefined) {
  throw new Error('usage: --db PATH --params JSON --from A --to B');
}
const model = new Model(JSON.parse(values.params) as ModelParams);
const from = Number(values.from);
const to = Number(values.to);

const { SqliteLog } = await fromDist<typeof LogModule>('backends/sqlite/sqlite-log.js');
const { prepareBatch } = await fromDist<typeof IngestModule>('sources/http/ingest.js');
const { DEFAULT_LIMITS } = await fromDist<typeof LimitsModule>('core/limits.js');

const log = new SqliteLog(defaultLogOptions(values.db));
const started = performance.now();
const REQUEST = 50;
const APPEND = 10_000;
let bytes = 0;
const inFlight: Promise<void>[] = [];
for (let first = from; first <= to; first += APPEND) {
  const last = Math.min(to, first + APPEND - 1);
  const records = [];
  for (let a = first; a <= last; a += REQUEST) {
    const b = Math.min(last, a + REQUEST - 1);
    const batch = [];
    for (let i = a; i <= b; i++) batch.push(model.item(i, randomUUID()));
    // Received 1.5 s after its last event (50 events are ~15 s of this site's traffic); sentAt = received, so the
    // stored timestamps are the model's times.
    const receivedAt = model.fields(b).time + 1_500;
    const sentAt = new Date(receivedAt).toISOString();
    const prepared = prepareBatch({ batch, sentAt }, { source: SOURCE, limits: DEFAULT_LIMITS, headerAnonymousId: undefined, receivedAt, ip: '198.51.100.23', anonymizeIp: false });
    if (prepared.rejections.length > 0) throw new Error(`append: events rejected: ${JSON.stringify(prepared.rejections[0])}`);
    records.push(...prepared.records);
  }
  for (const r of records) bytes += r.body.length;
  inFlight.push(
    log.append(records).then((res) => {
      // The seqs must be the model's numbers: the checker and the state builder count on it.
      if (res.stored !== records.length || res.seqs[0] !== first) throw new Error(`append: events ${first}.. stored as ${res.seqs[0]}.. (${res.stored} of ${records.length})`);
    }),
  );
  if (inFlight.length >= 3) await inFlight.shift();
}
await Promise.all(inFlight);
const stats = await log.stats();
await log.close();
if (stats.headSeq !== to) throw new Error(`append: the log's head is ${stats.headSeq}, expected ${to}`);
const events = to - from + 1;
process.stdout.write(`${JSON.stringify({ events, avgBodyBytes: Math.round(bytes / events), seconds: Math.round(performance.now() - started) / 1000 })}\n`);
