import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LogRecord } from '../core/event.js';
import { MemoryLog } from '../log/memory-log.js';
import { aggregate } from './aggregate.js';
import { MemoryRollupStore } from './memory-store.js';
import { RollupsConsumer, ROLLUPS_CONSUMER } from './rollups-consumer.js';
import type { ApplyResult, RollupBatch } from './store.js';

const T = Date.parse('2024-05-01T10:00:00Z');
const HOUR = T / 3_600_000;
const quiet = { warn: () => {}, error: () => {} };

function records(n: number, from = 1): LogRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `m${from + i}`;
    const body = { type: 'track', messageId: id, event: 'Order Completed', userId: `u${(from + i) % 10}`, context: {}, timestamp: new Date(T).toISOString(), receivedAt: new Date(T).toISOString() };
    return { source: 'web', messageId: id, type: 'track', receivedAt: T, body: JSON.stringify(body) };
  });
}

async function counted(store: MemoryRollupStore): Promise<number> {
  return (await store.sumByHour({ metric: 'events', from: HOUR, to: HOUR + 1 })).reduce((a, r) => a + r.n, 0);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function run(t: TestContext, log: MemoryLog, store: MemoryRollupStore, maxBatch = 7): Promise<RollupsConsumer> {
  const consumer = await log.consumer(ROLLUPS_CONSUMER, { startAt: 'earliest' });
  const rollups = new RollupsConsumer({ consumer, store, config: { breakdowns: [], max_batch_events: maxBatch }, logger: quiet });
  rollups.start();
  t.after(() => rollups.stop());
  return rollups;
}

test('counts every event once, in batches, and acks as it goes', async (t) => {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const store = new MemoryRollupStore();
  await log.append(records(50));
  const rollups = await run(t, log, store);
  await until(async () => (await store.position()) === 50, 'all 50 counted');
  assert.equal(await counted(store), 50);
  assert.equal(store.applied, Math.ceil(50 / 7));
  await log.append(records(5, 51));
  await until(async () => (await store.position()) === 55, 'woken by the append');
  assert.deepEqual(await rollups.status(), { position: 55, lag: 0, lastError: null });
});

test('redelivered events (the cursor moved back, as after a crash before the ack) are not counted again', async (t) => {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const store = new MemoryRollupStore();
  await log.append(records(30));
  await run(t, log, store);
  await until(async () => (await store.position()) === 30, 'first pass');
  const consumer = await log.consumer(ROLLUPS_CONSUMER);
  await consumer.seek(0);
  await log.append(records(4, 31));
  await until(async () => consumer.position() === 34, 'everything read again');
  assert.equal(await counted(store), 34);
});

test('a store ahead of the cursor by part of a batch: only the events past its position are applied', async (t) => {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const store = new MemoryRollupStore();
  await log.append(records(20));
  // Events 1..12 reached the store, but the acks of 1..12 did not: the cursor is still at 0.
  await store.apply(aggregate(await log.scan(0, 12), { breakdowns: [] }));
  await run(t, log, store, 100);
  await until(async () => (await store.position()) === 20, 'caught up');
  assert.equal(await counted(store), 20);
});

test('a failed write is retried after reading again from the cursor; nothing is lost or doubled', async (t) => {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const inner = new MemoryRollupStore();
  let failures = 2;
  const flaky = Object.assign(Object.create(inner) as MemoryRollupStore, {
    apply: async (b: RollupBatch): Promise<ApplyResult> => {
      if (failures-- > 0) throw new Error('disk on fire');
      return inner.apply(b);
    },
  });
  await log.append(records(25));
  const rollups = await run(t, log, flaky);
  await until(async () => (await inner.position()) === 25, 'caught up after failures');
  assert.equal(await counted(inner), 25);
  assert.equal((await rollups.status()).lastError?.reason, 'disk on fire');
});

test('stop lets the batch being applied finish', async (t) => {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const store = new MemoryRollupStore();
  const rollups = await run(t, log, store);
  await log.append(records(3));
  await until(async () => (await store.position()) === 3, 'counted');
  await rollups.stop();
  await log.append(records(3, 4));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await store.position(), 3, 'nothing is read after stop');
});
