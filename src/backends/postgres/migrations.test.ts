// Migrations run by many processes at once: one applies them, the others wait on the advisory lock and apply none;
// a failing migration leaves nothing behind. Each case uses a schema of its own on the shared server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { dropSchema, PG_URL, postgresSkipReason, randomSchemaName } from '../../../test/helpers/postgres.js';
import { MIGRATIONS, migrate } from './migrations.js';

const skip = await postgresSkipReason();

describe('PostgreSQL migrations', { skip }, () => {
  it('eight migrators starting at once: the schema is built once, every one ends at the latest version', async (t) => {
    const schema = randomSchemaName();
    // Separate pools, as separate processes would have.
    const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: PG_URL, max: 1 }));
    t.after(async () => {
      await Promise.all(pools.map((p) => p.end()));
      await dropSchema(schema);
    });
    const results = await Promise.all(pools.map((p) => migrate(p, schema)));
    const all = MIGRATIONS.map((_, i) => i + 1);
    assert.deepEqual(results.filter((r) => r.applied.length > 0).map((r) => r.applied), [all], 'exactly one applied them');
    assert.ok(results.every((r) => r.version === MIGRATIONS.length));
    const { rows } = await pools[0]!.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    assert.deepEqual(rows.map((r: { version: number }) => r.version), all);
    // A later start with one more migration applies just that one.
    const next = await migrate(pools[1]!, schema, [...MIGRATIONS, 'CREATE TABLE extra (id INTEGER)']);
    assert.deepEqual(next.applied, [MIGRATIONS.length + 1]);
  });

  it('a failing migration rolls back every migration of that run and records none', async (t) => {
    const schema = randomSchemaName();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    t.after(async () => {
      await pool.end();
      await dropSchema(schema);
    });
    await assert.rejects(migrate(pool, schema, ['CREATE TABLE a (id INTEGER)', 'CREATE TABLE b (id NOT_A_TYPE)']), /store migration 2 failed: type "not_a_type" does not exist/);
    const { rows } = await pool.query('SELECT COUNT(*)::int AS n FROM pg_tables WHERE schemaname = $1', [schema]);
    assert.equal(rows[0].n, 0, 'not even schema_migrations or table a');
    assert.deepEqual((await migrate(pool, schema, ['CREATE TABLE a (id INTEGER)'])).applied, [1]);
  });
});
