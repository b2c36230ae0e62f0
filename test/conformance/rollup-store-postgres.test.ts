// The RollupStore contract against PostgreSQL (a schema of its own per case), and what only a store shared by several
// workers must show: batches claimed by concurrent workers, redelivered or interleaved, are counted exactly once.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { PgConnection } from '../../src/backends/postgres/connection.js';
import { MIGRATIONS, migrate } from '../../src/backends/postgres/migrations.js';
import { PostgresRollupStore } from '../../src/backends/postgres/rollup-store.js';
import type { RollupBatch } from '../../src/rollups/store.js';
import { dropSchema, PG_URL, postgresSkipReason, randomSchemaName } from '../helpers/postgres.js';
import { assertBlocksBuilt, oldHours } from '../helpers/hour-sketches-before-blocks.js';
import { postgresFactory } from '../helpers/store-factories.js';
import { runRollupStoreContract } from './rollup-store.contract.js';

const skip = await postgresSkipReason();

async function openSchema(schema: string): Promise<PgConnection> {
  const db = new PgConnection({ url: PG_URL, schema });
  await migrate(db.pool, schema);
  return db;
}

if (skip !== undefined) it('RollupStore contract: PostgresRollupStore', { skip }, () => {});
else runRollupStoreContract('PostgresRollupStore', postgresFactory((db) => new PostgresRollupStore(db)));

/** A store in a schema of its own, dropped after the test. */
async function freshStore(t: TestContext): Promise<{ db: PgConnection; store: PostgresRollupStore }> {
  const schema = randomSchemaName();
  const db = await openSchema(schema);
  t.after(async () => {
    await db.close();
    await dropSchema(schema);
  });
  return { db, store: new PostgresRollupStore(db) };
}

const H = 475_000;

/** One event per seq, each counted under its own hour offset so a double count shows in the totals. */
function batchOf(seqs: ReadonlySet<number>): RollupBatch {
  const sorted = [...seqs].sort((a, b) => a - b);
  return {
    firstSeq: sorted[0]!,
    lastSeq: sorted.at(-1)!,
    counters: sorted.map((s) => ({ metric: 'events' as const, hour: H + (s % 5), source: 'web', k1: 'track', k2: 'E', k3: '', n: 1 })),
    breakdowns: sorted.map((s) => ({ hour: H, source: 'web', event: 'E', property: 'plan', value: `v${s % 7}`, maxValues: 3, n: 1 })),
    sketches: [],
  };
}

describe('PostgresRollupStore with several workers', { skip }, () => {
  it('overlapping, interleaved and repeated batches from concurrent workers count every event exactly once', async (t) => {
    const schema = randomSchemaName();
    const workers = await Promise.all([1, 2, 3, 4].map(() => openSchema(schema)));
    t.after(async () => {
      await Promise.all(workers.map((w) => w.close()));
      await dropSchema(schema);
    });
    const stores = workers.map((w) => new PostgresRollupStore(w));
    // 400 events in batches of 40, each batch handed to two workers at once (a redelivery racing the original),
    // with batches out of order, as a shared JetStream consumer hands them out.
    const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 40 }, (_, i) => b * 40 + i + 1)).reverse();
    const results = await Promise.all(
      batches.flatMap((seqs, b) => [0, 1].map((copy) => stores[(b + copy * 2) % 4]!.applyClaimed('rollups', seqs, batchOf))),
    );
    assert.equal(results.reduce((a, r) => a + r.counted, 0), 400, 'each event counted by exactly one of the two copies');
    // A late redelivery of a mix of counted seqs and new ones counts only the new ones.
    const late = await stores[0]!.applyClaimed('rollups', [399, 400, 401, 402], batchOf);
    assert.equal(late.counted, 2);
    assert.equal(late.position, 402);
    const hours = await stores[1]!.sumByHour({ metric: 'events', from: H, to: H + 5, source: 'web' });
    assert.equal(hours.reduce((a, r) => a + r.n, 0), 402);
    const values = await stores[2]!.top({ metric: 'breakdowns', from: H, to: H + 1, k1: 'E', k2: 'plan' }, 10);
    assert.equal(values.reduce((a, r) => a + r.n, 0), 402);
    assert.equal(values.filter((r) => r.k3.startsWith('v')).length, 3, 'no more than max_values kept, even with workers racing for the last slot');
    assert.equal(await stores[3]!.position(), 402);
  });

  it('claims are per consumer, and pruning forgets only old ones', async (t) => {
    const { db, store } = await freshStore(t);
    assert.equal((await store.applyClaimed('a', [1, 2], batchOf)).counted, 2);
    assert.equal((await store.applyClaimed('b', [1, 2], batchOf)).counted, 2, 'another consumer claims the same seqs for itself');
    assert.equal(await store.pruneClaims(60_000), 0, 'nothing is a minute old');
    await db.query("UPDATE rollup_claims SET applied_at = now() - interval '2 minutes' WHERE consumer = 'a'");
    assert.equal(await store.pruneClaims(60_000), 2);
    assert.equal((await store.applyClaimed('b', [2], batchOf)).counted, 0);
  });

  it('a batch that fails is rolled back whole: its claims too, so it is counted when applied again', async (t) => {
    const { store } = await freshStore(t);
    const corrupt = (fresh: ReadonlySet<number>): RollupBatch => ({ ...batchOf(fresh), sketches: [{ level: 'hour', start: H, source: 'web', sketch: new Uint8Array([9, 9]) }] });
    await assert.rejects(store.applyClaimed('rollups', [1, 2, 3], corrupt), /corrupt HyperLogLog/);
    assert.deepEqual(await store.sumByHour({ metric: 'events', from: H, to: H + 5 }), []);
    assert.equal((await store.applyClaimed('rollups', [1, 2, 3], batchOf)).counted, 3);
  });
});

describe('PostgresRollupStore migrations', { skip }, () => {
  it('a store from before 6-hour sketches gets them from its hourly sketches when migrated', async (t) => {
    const schema = randomSchemaName();
    const db = new PgConnection({ url: PG_URL, schema });
    t.after(async () => {
      await db.close();
      await dropSchema(schema);
    });
    // The schema as it was before the 6-hour level (migration 1 only), holding hourly sketches.
    await migrate(db.pool, schema, MIGRATIONS.slice(0, 1));
    const store = new PostgresRollupStore(db);
    const old = oldHours(H + 2); // H is 16:00 UTC
    await store.apply({ firstSeq: 1, lastSeq: 1, counters: [], breakdowns: [], sketches: old.sketches });
    assert.deepEqual((await migrate(db.pool, schema)).applied, [2]);
    await assertBlocksBuilt(store, old);
  });
});
