// Fills a fresh NATS JetStream stream with N track events for the NATS delivery benchmark, appended through Sluice's
// own NatsLog (from dist/) in large groups, not over HTTP: ingest is measured on its own. Records are made by
// Sluice's ingest code, as a server would store them. Prints one JSON line: {"events":N,"seconds":S}.
// Usage: node prefill.ts --stream NAME --events N [--url nats://...]
import { parseArgs } from 'node:util';
import type * as NatsLogModule from '../../src/backends/nats/nats-log.js';
import type * as IngestModule from '../../src/sources/http/ingest.js';
import type * as LimitsModule from '../../src/core/limits.js';
import { fromDist } from '../delivery/dist.js';
import { trackItem } from '../delivery/events.js';

const { values } = parseArgs({ options: { stream: { type: 'string' }, events: { type: 'string' }, url: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' } } });
if (values.stream === undefined || values.events === undefined) throw new Error('usage: --stream NAME --events N');
const total = Number(values.events);

const { NatsLog } = await fromDist<typeof NatsLogModule>('backends/nats/nats-log.js');
const { prepareBatch } = await fromDist<typeof IngestModule>('sources/http/ingest.js');
const { DEFAULT_LIMITS } = await fromDist<typeof LimitsModule>('core/limits.js');

// The config defaults (src/app/config-schema.ts), with the bench's stream.
const log = await NatsLog.open({
  servers: values.url,
  stream: values.stream,
  replicas: 1,
  max_age_ms: 0,
  ack_wait_ms: 30_000,
  max_ack_pending: 10_000,
  publish_timeout_ms: 30_000,
  dedupe_window_ms: 24 * 3_600_000,
  retention_ms: 168 * 3_600_000,
});
const started = performance.now();
const GROUP = 500;
const inFlight: Promise<unknown>[] = [];
for (let done = 0; done < total; done += GROUP) {
  const batch = Array.from({ length: Math.min(GROUP, total - done) }, (_, j) => trackItem(done + j));
  const prepared = prepareBatch({ batch, sentAt: new Date().toISOString() }, { source: 'web', limits: DEFAULT_LIMITS, headerAnonymousId: undefined, receivedAt: Date.now(), ip: '203.0.113.7', anonymizeIp: false });
  if (prepared.rejections.length > 0) throw new Error(`prefill: events rejected: ${JSON.stringify(prepared.rejections[0])}`);
  inFlight.push(log.append(prepared.records));
  if (inFlight.length >= 8) await inFlight.shift();
}
await Promise.all(inFlight);
const stats = await log.stats();
await log.close();
if (stats.events !== total) throw new Error(`prefill: the stream holds ${stats.events} events, expected ${total}`);
process.stdout.write(`${JSON.stringify({ events: total, seconds: Math.round(performance.now() - started) / 1000 })}\n`);
