// One event as one row of the events table. Segment messages fill the typed columns; a CloudEvent (the gateway's
// 'cloudevent' documents) fills what has a counterpart (type -> event, time -> timestamp, data -> properties, the
// other attributes -> context). Every row keeps the whole document in `raw`, so nothing is lost to the mapping.
import type { OutgoingEvent } from '../../core/destination.js';
import { CLOUDEVENT_TYPE } from '../../core/cloudevent.js';
import type { JsonObject } from '../../core/event.js';

/** Columns in table order, with their SQL types. The table definition and the INSERT are both made from this. */
export const COLUMNS = [
  ['message_id', 'text'],
  ['source', 'text'],
  ['type', 'text'],
  ['event', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['group_id', 'text'],
  ['previous_id', 'text'],
  ['name', 'text'],
  ['timestamp', 'timestamptz'],
  ['received_at', 'timestamptz'],
  ['sent_at', 'timestamptz'],
  ['original_timestamp', 'timestamptz'],
  ['properties', 'jsonb'],
  ['traits', 'jsonb'],
  ['context', 'jsonb'],
  ['raw', 'jsonb'],
] as const;

export type Column = (typeof COLUMNS)[number][0];
/** Column values as text (Postgres casts them to the column types), in COLUMNS order; null for SQL NULL. */
export type Row = (string | null)[];

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

/** Times are handed to Postgres as written; one it cannot read is a data error for that row alone. */
function time(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function json(v: unknown): string | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? JSON.stringify(v) : null;
}

export function isCloudEvent(doc: JsonObject): boolean {
  return typeof doc.specversion === 'string' && typeof doc.type === 'string' && 'id' in doc;
}

function cloudEventValues(doc: JsonObject): Partial<Record<Column, string | null>> {
  const { data, data_base64: _binary, ...attributes } = doc;
  return { type: CLOUDEVENT_TYPE, event: text(doc.type), timestamp: time(doc.time), properties: json(data), context: json(attributes) };
}

function segmentValues(doc: JsonObject): Partial<Record<Column, string | null>> {
  return {
    type: text(doc.type),
    event: text(doc.event),
    user_id: text(doc.userId),
    anonymous_id: text(doc.anonymousId),
    group_id: text(doc.groupId),
    previous_id: text(doc.previousId),
    name: text(doc.name),
    timestamp: time(doc.timestamp),
    received_at: time(doc.receivedAt),
    sent_at: time(doc.sentAt),
    original_timestamp: time(doc.originalTimestamp),
    properties: json(doc.properties),
    traits: json(doc.traits),
    context: json(doc.context),
  };
}

export function toRow(e: OutgoingEvent): Row {
  // The key comes from the log, not the document: a transform may drop or rewrite doc.messageId.
  const values: Partial<Record<Column, string | null>> = {
    ...(isCloudEvent(e.doc) ? cloudEventValues(e.doc) : segmentValues(e.doc)),
    message_id: e.messageId,
    source: e.source,
    raw: JSON.stringify(e.doc),
  };
  return COLUMNS.map(([name]) => values[name] ?? null);
}

/** Rows as one array per column: the parameters of the unnest() INSERT. */
export function toColumnArrays(rows: readonly Row[]): (string | null)[][] {
  return COLUMNS.map((_, c) => rows.map((row) => row[c] ?? null));
}
