// Fills a fresh SQLite log with N track events for the delivery benchmark, appended in large groups straight to the
// log (not over HTTP: ingest is measured elsewhere). Records are made by Sluice's ingest code, as a server would
// store them. Prints one JSON line: {"events":N,"avgBodyBytes":B,"seconds":S}.
// Usage: node prefill.ts --db PATH --events N
import { parseArgs } from 'node:util';
import type * as IngestModule from '../../src/sources/http/ingest.js';
import type * as LogModule from '../../src/backends/sqlite/sqlite-log.js';
import type * as LimitsModule from '../../src/core/limits.js';
import { fromDist } from './dist.js';
import { trackItem } from './events.js';
import { defaultLogOptions } from '../lib/log-options.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, events: { type: 'string' } } });
if (values.db === undefined || values.events === undefined) throw new Error('usage: --db PATH --events N');
const total = Number(values.events);

const { SqliteLog } = await fromDist<typeof LogModule>('backends/sqlite/sqlite-log.js');
const { prepareBatch } = await fromDist<typeof IngestModule>('sources/http/ingest.js');
const { DEFAULT_LIMITS } = await fromDist<typeof LimitsModule>('core/limits.js');

// The settings `sluice start` uses by default (src/app/start.ts with the config defaults).
const log = new SqliteLog(defaultLogOptions(values.db));

const started = performance.now();
const GROUP = 5_000;
let bytes = 0;
const inFlight: Promise<unknown>[] = [];
for (let done = 0; done < total; done += GROUP) {
  const n = Math.min(GROUP, total - done);
  // One "request" of 500 items at a time through prepareBatch, as /v1/batch would, gathered into one append.
  const records = [];
  for (let k = 0; k < n; k += 500) {
    const batch = Array.from({ length: Math.min(500, n - k) }, (_, j) => trackItem(done + k + j));
    const prepared = prepareBatch({ batch, sentAt: new Date().toISOString() }, { source: 'web', limits: DEFAULT_LIMITS, headerAnonymousId: undefined, receivedAt: Date.now(), ip: '203.0.113.7', anonymizeIp: false });
    if (prepared.rejections.length > 0) throw new Error(`prefill: events rejected: ${JSON.stringify(prepared.rejections[0])}`);
    records.push(...prepared.records);
  }
  for (const r of records) bytes += r.body.length;
  inFlight.push(log.append(records));
  if (inFlight.length >= 3) await inFlight.shift();
}
await Promise.all(inFlight);
const stats = await log.stats();
await log.close();
if (stats.headSeq !== total) throw new Error(`prefill: the log holds ${stats.headSeq} events, expected ${total}`);
process.stdout.write(`${JSON.stringify({ events: total, avgBodyBytes: Math.round(bytes / total), seconds: Math.round(performance.now() - started) / 1000 })}\n`);
