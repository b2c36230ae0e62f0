// The SQL this destination runs, made from COLUMNS so the table and the INSERT cannot drift apart.
import { COLUMNS } from './row.js';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** NOT NULL only where every event has a value; a CloudEvent, for one, has no received_at of its own. */
const REQUIRED = new Set<string>(['message_id', 'source', 'raw']);

export function createTableSql(schema: string, table: string): string {
  const columns = COLUMNS.map(([name, type]) => `  ${quoteIdent(name)} ${type}${REQUIRED.has(name) ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (\n${columns.join(',\n')},\n  PRIMARY KEY (source, message_id)\n)`;
}

/**
 * One statement per batch: each column travels as one array parameter and unnest() zips them into rows, so the
 * statement text and parameter count stay fixed whatever the batch size (no 65,535-parameter ceiling, one plan).
 * ON CONFLICT DO NOTHING makes redelivery a no-op: a (source, message_id) already stored is skipped.
 */
export function insertSql(schema: string, table: string): string {
  const names = COLUMNS.map(([name]) => quoteIdent(name)).join(', ');
  const arrays = COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  return `INSERT INTO ${qualified(schema, table)} (${names}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`;
}
