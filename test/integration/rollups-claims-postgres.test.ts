// The rollups consumer in `claims` mode, as workers sharing a NATS consumer run it: events are delivered out of order
// and half of them to two workers (each with its own connection pool, different batch sizes so their batches overlap
// and interleave), both writing to one PostgreSQL store. Each event must be counted exactly once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgConnection } from '../../src/backends/postgres/connection.js';
import { migrate } from '../../src/backends/postgres/migrations.js';
import { PostgresRollupStore } from '../../src/backends/postgres/rollup-store.js';
import type { LogRecord } from '../../src/core/event.js';
import { MemoryLog } from '../../src/log/memory-log.js';
import { MemoryRollupStore } from '../../src/rollups/memory-store.js';
import { RollupsConsumer } from '../../src/rollups/rollups-consumer.js';
import { dropSchema, PG_URL, postgresSkipReason, randomSchemaName } from '../helpers/postgres.js';

const skip = await postgresSkipReason();
const T = Date.parse('2024-05-01T10:00:00Z');
const HOUR = T / 3_600_000;
const quiet = { warn: () => {}, error: () => {} };

function records(n: number): LogRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const body = { type: 'track', messageId: `m${i}`, event: 'Order Completed', userId: `u${i % 10}`, timestamp: new Date(T).toISOString() };
    return { source: 'web', messageId: `m${i}`, type: 'track', receivedAt: T, body: JSON.stringify(body) };
  });
}

describe('rollups with claims on PostgreSQL', { skip }, () => {
  it('two workers, later positions counted first and half the events handed to both, count each one once', async (t) => {
    const schema = randomSchemaName();
    const pools = [new PgConnection({ url: PG_URL, schema, poolSize: 2 }), new PgConnection({ url: PG_URL, schema, poolSize: 2 })];
    await Promise.all(pools.map((p) => migrate(p.pool, schema)));
    t.after(async () => {
      await Promise.all(pools.map((p) => p.close()));
      await dropSchema(schema);
    });
    const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
    await log.append(records(600));
    // Two consumer names so the second half is given to both workers: the worst case of redelivery to another worker.
    const workers = await Promise.all(
      [7, 50].map(async (batch, i) => {
        const consumer = await log.consumer(`rollups-worker-${i}`, { startAt: 'earliest' });
        // The second worker starts halfway: its batches land before the first worker's earlier ones, as on a shared
        // consumer, where a highest-position-applied would skip the earlier ones as already counted.
        if (i === 1) await consumer.seek(300);
        const w = new RollupsConsumer({ consumer, store: new PostgresRollupStore(pools[i]!), config: { breakdowns: [], max_batch_events: batch }, logger: quiet, claims: true });
        w.start();
        return w;
      }),
    );
    t.after(() => Promise.all(workers.map((w) => w.stop())));
    const store = new PostgresRollupStore(pools[0]!);
    const end = Date.now() + 30_000;
    for (;;) {
      const lags = await Promise.all(workers.map(async (w) => (await w.status()).lag));
      if (lags.every((l) => l === 0)) break;
      if (Date.now() > end) assert.fail(`workers did not catch up: lags ${lags.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await store.sumByHour({ metric: 'events', from: HOUR, to: HOUR + 1 });
    assert.deepEqual(rows, [{ hour: HOUR, n: 600 }]);
    assert.equal(await store.position(), 600);
  });

  it('claims need a store that can claim: the embedded stores are refused at start, with the reason', async () => {
    const consumer = await new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 }).consumer('rollups', { startAt: 'earliest' });
    assert.throws(
      () => new RollupsConsumer({ consumer, store: new MemoryRollupStore(), config: { breakdowns: [], max_batch_events: 10 }, logger: quiet, claims: true }),
      /a log shared by several workers needs a store that claims counted positions \(store.backend: postgres\)/,
    );
  });
});
