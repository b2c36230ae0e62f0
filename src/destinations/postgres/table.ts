// Making sure the events table exists before the first insert. Existence is checked first and creation is
// attempted only when missing: CREATE ... IF NOT EXISTS needs the CREATE privilege even when the object exists,
// and a role that only inserts into a table a DBA made must still work.
import type { PoolClient } from 'pg';
import { createTableSql, qualified, quoteIdent } from './sql.js';

/** SQLSTATEs a concurrent creator causes (duplicate_table, duplicate_schema, and the pg_type race as 23505). */
const CREATED_MEANWHILE = new Set(['42P07', '42P06', '23505']);

export interface TableSpec {
  schema: string;
  table: string;
  create: boolean;
}

/** The table is not there and we may not create it: an operator's fix, so the events wait (retry). */
export class TableMissingError extends Error {}

async function tolerateConcurrentCreate(run: Promise<unknown>): Promise<void> {
  try {
    await run;
  } catch (err) {
    if (!CREATED_MEANWHILE.has(String((err as { code?: unknown }).code))) throw err;
  }
}

export async function ensureTable(client: PoolClient, spec: TableSpec): Promise<void> {
  const found = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [qualified(spec.schema, spec.table)]);
  if (found.rows[0]?.present === true) return;
  if (!spec.create) throw new TableMissingError(`table ${spec.schema}.${spec.table} does not exist and create_table is false`);
  const ns = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [spec.schema]);
  if (ns.rowCount === 0) await tolerateConcurrentCreate(client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(spec.schema)}`));
  await tolerateConcurrentCreate(client.query(createTableSql(spec.schema, spec.table)));
}
