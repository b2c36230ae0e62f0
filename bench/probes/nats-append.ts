// NATS append cost: NatsLog.append (one JetStream message per event, PubAcks gathered per batch) beside one raw
// JetStream message per batch, interleaved A/B, 16 concurrent requests. Per-event messages are what the Log interface
// needs (a position per event); the gap says what batching messages would buy. Uses a throwaway stream on NATS_URL.
// Usage: node --import tsx bench/probes/nats-append.ts
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { encodeRecord } from '../../src/backends/nats/event-codec.js';
import { NatsLog } from '../../src/backends/nats/nats-log.js';
const URL = process.env.NATS_URL ?? '127.0.0.1:4222';
const stream = 'BENCH_' + Math.random().toString(36).slice(2, 8);
const log = await NatsLog.open({ servers: URL, stream, replicas: 1, max_age_ms: 0, ack_wait_ms: 30000, max_ack_pending: 1000, publish_timeout_ms: 5000, dedupe_window_ms: 3600000, retention_ms: 3600000 });
const nc = await connect({ servers: URL });
const js = jetstream(nc);
let k = 0;
const rec = () => ({ source: 'web', messageId: `m-${++k}-${Math.random()}`, type: 'track', receivedAt: Date.now(), body: JSON.stringify({ type: 'track', event: 'Order Completed', properties: { revenue: 42, currency: 'EUR', sku: 'abc-123' }, userId: 'user-1', context: { ip: '1.2.3.4', library: { name: 'x', version: '1' } } }) });
async function run(name: string, batch: number, requests: number, conc: number, one: (rs: ReturnType<typeof rec>[]) => Promise<unknown>) {
  const t = performance.now(); let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (i++ < requests) await one(Array.from({ length: batch }, rec)); }));
  const s = (performance.now() - t) / 1000;
  console.log(name, `batch=${batch}`, Math.round((requests * batch) / s), 'events/s');
}
const perEvent = (rs: ReturnType<typeof rec>[]) => log.append(rs);
const perBatch = (rs: ReturnType<typeof rec>[]) => js.publish(`${stream}.events`, new TextEncoder().encode(rs.map(r => new TextDecoder().decode(encodeRecord(r))).join('\u001e')));
for (let round = 0; round < 3; round++) {
  await run('per-event msgs (NatsLog.append)', 20, 300, 16, perEvent);
  await run('one msg per batch (raw publish)', 20, 300, 16, perBatch);
  await run('per-event msgs (NatsLog.append)', 1, 3000, 16, perEvent);
}
await nc.close(); await log.close();
const nc2 = await connect({ servers: URL }); const jsm = await jetstreamManager(nc2);
for (const s of [stream, stream + '_DEAD', stream + '_RETRIES']) await jsm.streams.delete(s); await nc2.close();
