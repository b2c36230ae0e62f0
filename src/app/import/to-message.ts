// One record of an import file as a Segment message for /v1/import: a deterministic messageId when it has none (so
// importing the same file again stores nothing twice), and no sentAt (so the server keeps the record's own timestamp
// instead of skew-correcting it against today: an import is history, not a device with a wrong clock).
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/event.js';

export class RecordError extends Error {}

/** Fields a CSV column may name directly; snake_case spellings are accepted too. */
const TOP_LEVEL: Record<string, string> = {
  type: 'type', event: 'event', name: 'name', timestamp: 'timestamp',
  userid: 'userId', user_id: 'userId', anonymousid: 'anonymousId', anonymous_id: 'anonymousId',
  messageid: 'messageId', message_id: 'messageId', groupid: 'groupId', group_id: 'groupId',
  previousid: 'previousId', previous_id: 'previousId', category: 'category',
};
const NESTED = ['properties', 'traits', 'context', 'integrations'];

/** A messageId from the record's position and content: the same file, wherever it lies, gives the same ids. */
export function importMessageId(line: number, content: string): string {
  return `import-${createHash('sha256').update(`${line}\u0000${content}`).digest('hex').slice(0, 32)}`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finish(message: JsonObject, line: number, content: string): JsonObject {
  delete message.sentAt;
  if (typeof message.messageId !== 'string' || message.messageId === '') message.messageId = importMessageId(line, content);
  if (message.type === undefined || message.type === null || message.type === '') message.type = 'track';
  return message;
}

/** One NDJSON line (a Segment message, as Segment's archives hold them); null for a blank line. */
export function messageFromJsonLine(line: number, text: string): JsonObject | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RecordError(`not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new RecordError('a line must be a JSON object (one Segment message)');
  return finish({ ...value }, line, text);
}

/** Where each CSV column goes, checked once against the header; unknown columns are an error, not a guess. */
export type ColumnPlan = { column: number; path: string[] }[];

export function planColumns(header: readonly string[]): ColumnPlan {
  const plan: ColumnPlan = [];
  const unknown: string[] = [];
  header.forEach((name, column) => {
    const top = TOP_LEVEL[name.toLowerCase()];
    if (top !== undefined) return void plan.push({ column, path: [top] });
    const parts = name.split('.');
    if (parts.length >= 2 && NESTED.includes(parts[0]!) && parts.every((p) => p !== '')) return void plan.push({ column, path: parts });
    unknown.push(name);
  });
  if (unknown.length > 0) {
    throw new RecordError(`CSV columns ${unknown.map((u) => JSON.stringify(u)).join(', ')} are not Segment fields: name them properties.<name>, traits.<name> or context.<name>, or one of ${Object.values(TOP_LEVEL).filter((v, i, a) => a.indexOf(v) === i).join(', ')}`);
  }
  return plan;
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** CSV cells are text: numbers and booleans in properties, traits and context become JSON numbers and booleans. */
function cellValue(cell: string): unknown {
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  if (NUMBER.test(cell) && cell.length <= 15) return Number(cell);
  return cell;
}

/** One CSV row; empty cells are left out. */
export function messageFromCsvRow(line: number, cells: readonly string[], plan: ColumnPlan): JsonObject {
  const message: JsonObject = {};
  for (const { column, path } of plan) {
    const cell = cells[column];
    if (cell === undefined || cell === '') continue;
    if (path.length === 1) {
      message[path[0]!] = cell;
      continue;
    }
    let target = message;
    for (const key of path.slice(0, -1)) {
      if (!isObject(target[key])) target[key] = {};
      target = target[key] as JsonObject;
    }
    target[path[path.length - 1]!] = cellValue(cell);
  }
  return finish(message, line, JSON.stringify(cells));
}
