// Turns decoded pgoutput messages into CloudEvents: a row change in a captured table becomes
// db.<table>.<inserted|updated|deleted>, a row inserted into an outbox table becomes the event it describes. Pure: no
// I/O, so it is tested without a database.
import type { CloudEvent } from '../../core/cloudevent.js';
import type { OutboxConfig } from './config.js';

/** The parts of pgoutput's relation message we use (the library's type, narrowed). */
export interface Relation {
  schema: string;
  name: string;
  keyColumns: string[];
}

export type RowChange =
  | { tag: 'insert'; relation: Relation; new: Record<string, unknown> }
  | { tag: 'update'; relation: Relation; key: Record<string, unknown> | null; old: Record<string, unknown> | null; new: Record<string, unknown> }
  | { tag: 'delete'; relation: Relation; key: Record<string, unknown> | null; old: Record<string, unknown> | null }
  | { tag: 'truncate'; relations: Relation[] };

export interface Transaction {
  /** The LSN of the transaction's commit record: the same every time the transaction is streamed again. */
  commitLsn: string;
  xid: number;
  /** Commit time, milliseconds since the epoch. */
  commitTime: number;
}

export interface CaptureTarget {
  capture: string;
  /** `schema.table` of the tables whose changes are captured as db.* events. */
  tables: ReadonlySet<string>;
  /** `schema.table` → how to read an outbox row. */
  outboxes: ReadonlyMap<string, OutboxConfig>;
}

/** The type of an outbox row that cannot be read as an event: kept (never dropped) so someone can look at it. */
export const INVALID_OUTBOX_ROW = 'sluice.outbox.invalid_row';

const OP_NAMES = { insert: 'inserted', update: 'updated', delete: 'deleted', truncate: 'truncated' } as const;

export function qualifiedName(r: Relation): string {
  return `${r.schema}.${r.name}`;
}

/** `db.users.updated` for public tables, `db.billing.invoices.updated` for others. */
export function changeType(r: Relation, tag: RowChange['tag']): string {
  const table = r.schema === 'public' ? r.name : `${r.schema}.${r.name}`;
  return `db.${table}.${OP_NAMES[tag]}`;
}

/**
 * Column values as JSON can carry them. pg's parsers give Dates (timestamps), Buffers (bytea) and strings for int8 and
 * numeric (so no precision is lost); JSON.stringify would turn a Buffer into an array of bytes and an invalid Date
 * into null silently, so both are made explicit here.
 */
export function jsonRow(row: Record<string, unknown> | null): Record<string, unknown> | null {
  if (row === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = jsonValue(v);
  return out;
}

function jsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonValue);
  return v;
}

function keyOf(relation: Relation, row: Record<string, unknown> | null): Record<string, unknown> | null {
  if (row === null || relation.keyColumns.length === 0) return null;
  const key: Record<string, unknown> = {};
  for (const c of relation.keyColumns) key[c] = jsonValue(row[c]);
  return key;
}

/** The subject is the row's key: `42` for a one-column key, JSON for a composite one. */
function subjectOf(key: Record<string, unknown> | null): string | undefined {
  if (key === null) return undefined;
  const values = Object.values(key);
  if (values.length === 1 && values[0] !== null) return String(values[0]);
  return JSON.stringify(key);
}

function tableChange(change: Exclude<RowChange, { tag: 'truncate' }>, txn: Transaction, ordinal: number, target: CaptureTarget): CloudEvent {
  const r = change.relation;
  const row = change.tag === 'delete' ? null : jsonRow(change.new);
  const old = change.tag === 'insert' ? null : jsonRow(change.old ?? change.key);
  const key = keyOf(r, change.tag === 'delete' ? (change.old ?? change.key) : change.new);
  const subject = subjectOf(key);
  return {
    specversion: '1.0',
    id: `${txn.commitLsn}/${ordinal}`,
    source: `/sluice/cdc/${target.capture}`,
    type: changeType(r, change.tag),
    time: new Date(txn.commitTime).toISOString(),
    ...(subject === undefined ? {} : { subject }),
    datacontenttype: 'application/json',
    data: { schema: r.schema, table: r.name, op: change.tag, key, row, old, lsn: txn.commitLsn, xid: txn.xid },
  };
}

function outboxEvent(row: Record<string, unknown>, cfg: OutboxConfig, r: Relation, txn: Transaction, ordinal: number, target: CaptureTarget): CloudEvent {
  const id = row[cfg.id_column];
  const type = row[cfg.type_column];
  const source = `/sluice/outbox/${target.capture}/${qualifiedName(r)}`;
  const time = new Date(txn.commitTime).toISOString();
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '' || typeof type !== 'string' || type === '') {
    const problem = `an outbox row needs a non-empty ${cfg.id_column} and a string ${cfg.type_column}`;
    return { specversion: '1.0', id: `${txn.commitLsn}/${ordinal}`, source, type: INVALID_OUTBOX_ROW, time, datacontenttype: 'application/json', data: { problem, row: jsonRow(row) } };
  }
  const subject = cfg.subject_column === undefined ? undefined : row[cfg.subject_column];
  const data = jsonValue(row[cfg.data_column]);
  return {
    specversion: '1.0',
    id: String(id),
    source,
    type,
    time,
    ...(subject === undefined || subject === null ? {} : { subject: String(jsonValue(subject)) }),
    datacontenttype: 'application/json',
    data: typeof data === 'string' ? parseMaybeJson(data) : data,
  };
}

/** A text column holding JSON is taken as JSON; any other text is kept as a string. */
function parseMaybeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/**
 * The events one change yields: none for a table that is neither captured nor an outbox (a publication may hold more
 * tables than this capture reads), one per truncated captured table, one otherwise. Updates and deletes of outbox
 * rows are ignored: an outbox is append-only from the capture's point of view, and teams purge consumed rows.
 * `ordinal` numbers the change within its transaction, so ids are the same each time the transaction is replayed.
 */
export function changeEvents(change: RowChange, txn: Transaction, ordinal: number, target: CaptureTarget): CloudEvent[] {
  if (change.tag === 'truncate') {
    return change.relations
      .filter((r) => target.tables.has(qualifiedName(r)))
      .map((r, i) => ({
        specversion: '1.0' as const,
        id: `${txn.commitLsn}/${ordinal}.${i}`,
        source: `/sluice/cdc/${target.capture}`,
        type: changeType(r, 'truncate'),
        time: new Date(txn.commitTime).toISOString(),
        datacontenttype: 'application/json',
        data: { schema: r.schema, table: r.name, op: 'truncate', lsn: txn.commitLsn, xid: txn.xid },
      }));
  }
  const name = qualifiedName(change.relation);
  const outbox = target.outboxes.get(name);
  if (outbox !== undefined) return change.tag === 'insert' ? [outboxEvent(change.new, outbox, change.relation, txn, ordinal, target)] : [];
  return target.tables.has(name) ? [tableChange(change, txn, ordinal, target)] : [];
}
