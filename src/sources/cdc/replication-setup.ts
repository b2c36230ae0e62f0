// Prepares PostgreSQL for a capture: checks wal_level and the tables, keeps the publication's table list equal to the
// config, and creates the permanent logical replication slot once. A permanent slot is what makes changes made while
// Sluice is down wait for it: PostgreSQL keeps the WAL until the slot confirms it.
import pg from 'pg';
import { type ChangeCaptureConfig, publicationName, qualify, slotName } from './config.js';

/** A problem the user must fix in PostgreSQL or in the config; retrying will not help. */
export class CaptureSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureSetupError';
  }
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export interface PreparedCapture {
  slot: string;
  publication: string;
  /** Where the slot stands: changes after it are streamed on subscribe. */
  confirmedLsn: string | null;
}

async function checkWalLevel(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
  if (rows[0]?.wal_level !== 'logical') {
    throw new CaptureSetupError(
      `PostgreSQL runs with wal_level=${rows[0]?.wal_level ?? '?'}; change capture needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)`,
    );
  }
}

/**
 * Every table must exist and have a replica identity: PostgreSQL refuses UPDATE and DELETE on a published table
 * without one, so publishing it would break the application's own writes. Refuse before that can happen.
 */
async function checkTables(client: pg.Client, tables: readonly string[]): Promise<void> {
  const problems: string[] = [];
  for (const name of tables) {
    const { schema, table } = qualify(name);
    const { rows } = await client.query<{ relreplident: string; has_pk: boolean }>(
      `SELECT c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [schema, table],
    );
    const row = rows[0];
    if (row === undefined) problems.push(`table ${schema}.${table} does not exist`);
    else if (row.relreplident === 'n' || (row.relreplident === 'd' && !row.has_pk)) {
      problems.push(`table ${schema}.${table} has no primary key: add one or run ALTER TABLE ${schema}.${table} REPLICA IDENTITY FULL`);
    }
  }
  if (problems.length > 0) throw new CaptureSetupError(problems.join('; '));
}

async function syncPublication(client: pg.Client, publication: string, tables: readonly string[]): Promise<void> {
  const list = tables.map((t) => {
    const q = qualify(t);
    return `${ident(q.schema)}.${ident(q.table)}`;
  });
  const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  try {
    if (exists.rowCount === 0) await client.query(`CREATE PUBLICATION ${ident(publication)} FOR TABLE ${list.join(', ')}`);
    else await client.query(`ALTER PUBLICATION ${ident(publication)} SET TABLE ${list.join(', ')}`);
  } catch (err) {
    // Two Sluice processes starting at once both saw no publication: the loser's CREATE fails; the winner's is the same.
    if ((err as { code?: string }).code !== '42710') throw err;
  }
}

async function ensureSlot(client: pg.Client, slot: string): Promise<string | null> {
  const found = await client.query<{ plugin: string; confirmed_flush_lsn: string | null }>('SELECT plugin, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  const row = found.rows[0];
  if (row !== undefined) {
    if (row.plugin !== 'pgoutput') throw new CaptureSetupError(`replication slot ${slot} exists with plugin ${row.plugin}; Sluice needs pgoutput (choose another slot name)`);
    return row.confirmed_flush_lsn;
  }
  try {
    const created = await client.query<{ lsn: string }>("SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    return created.rows[0]?.lsn ?? null;
  } catch (err) {
    if ((err as { code?: string }).code !== '42710') throw err; // created meanwhile by another process
    return null;
  }
}

export async function prepareCapture(c: ChangeCaptureConfig): Promise<PreparedCapture> {
  const tables = [...c.tables, ...c.outbox.map((o) => o.table)];
  if (tables.length === 0) throw new CaptureSetupError(`change capture ${c.name} names no tables and no outbox`);
  const client = new pg.Client({ connectionString: c.url });
  await client.connect();
  try {
    await checkWalLevel(client);
    await checkTables(client, tables);
    await syncPublication(client, publicationName(c), tables);
    const confirmedLsn = await ensureSlot(client, slotName(c));
    return { slot: slotName(c), publication: publicationName(c), confirmedLsn };
  } finally {
    await client.end();
  }
}
