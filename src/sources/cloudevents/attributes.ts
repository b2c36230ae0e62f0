// Checks one CloudEvent in its structured (JSON) form against CloudEvents 1.0: the required attributes, the optional
// ones' formats, and extension names and values. Names the offending attribute, so a producer reading a 400 knows what
// to fix. Pure: used by every content mode, and tested without a server.
import type { CloudEvent } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import type { JsonObject } from '../../core/event.js';
import { isPlainObject } from '../http/validate.js';

/** Longest id and source we keep: they make up the log's deduplication key. */
export const MAX_ID_CHARS = 1024;

const KNOWN = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', 'data_base64']);
/** Lower-case ASCII letters and digits; the spec asks names be at most 20 characters, which we enforce. */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
// Control characters (U+0000-001F, U+007F-009F) are not allowed in CloudEvents strings.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A URI-reference never holds whitespace; refusing it also keeps the messageId `${source} ${id}` unambiguous. */
const WHITESPACE = /\s/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

function fail(code: 'invalid_field' | 'missing_field' | 'invalid_body', field: string | undefined, message: string, index?: number): never {
  const where = index === undefined ? message : `item ${index}: ${message}`;
  const opts: { field?: string; index?: number } = {};
  if (field !== undefined) opts.field = field;
  if (index !== undefined) opts.index = index;
  throw new SluiceError(code, where, opts);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** RFC 3339 date-time, with its ranges checked (a leap second, :60, is allowed). */
export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return false;
  return true;
}

/** A media type (RFC 2046 shape: type/subtype, optional parameters) says JSON when its subtype is json or ends +json. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash === -1) return false;
  const subtype = essence.slice(slash + 1);
  return subtype === 'json' || subtype.endsWith('+json');
}

function checkString(ev: JsonObject, name: string, index: number | undefined, required: boolean): string | undefined {
  const v = ev[name];
  if (v === undefined) {
    if (required) fail('missing_field', name, `the ${name} attribute is required`, index);
    return undefined;
  }
  if (typeof v !== 'string') fail('invalid_field', name, `${name} must be a string, got ${describe(v)}`, index);
  if (v === '') fail(required ? 'missing_field' : 'invalid_field', name, `${name} must not be empty`, index);
  if (CONTROL.test(v)) fail('invalid_field', name, `${name} must not contain control characters`, index);
  return v;
}

function checkExtension(name: string, value: unknown, index: number | undefined): void {
  if (!ATTRIBUTE_NAME.test(name)) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    fail('invalid_field', shown, `${JSON.stringify(shown)} is not a valid attribute name: use lower-case letters and digits, at most 20 characters`, index);
  }
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      fail('invalid_field', name, `${name} must be a 32-bit integer when it is a number, got ${value}`, index);
    }
    return;
  }
  if (typeof value === 'string') {
    if (CONTROL.test(value)) fail('invalid_field', name, `${name} must not contain control characters`, index);
    return;
  }
  fail('invalid_field', name, `${name} must be a string, a boolean or an integer, got ${describe(value)}`, index);
}

/**
 * Checks a structured CloudEvent and returns it as Sluice stores it: the members as sent, minus attributes set to
 * null (the JSON format says null means unset; `data: null` is a payload and stays). Throws the SluiceError naming the
 * attribute; `index` is the position in a batch.
 */
export function checkCloudEvent(value: unknown, index?: number): CloudEvent {
  if (!isPlainObject(value)) fail('invalid_body', undefined, `a CloudEvent must be a JSON object, got ${describe(value)}`, index);
  const ev: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null || k === 'data') ev[k] = v;

  const specversion = ev.specversion;
  if (specversion === undefined) fail('missing_field', 'specversion', 'the specversion attribute is required', index);
  if (specversion !== '1.0') fail('invalid_field', 'specversion', `specversion must be "1.0", got ${describe(specversion)}`, index);
  const id = checkString(ev, 'id', index, true)!;
  const source = checkString(ev, 'source', index, true)!;
  checkString(ev, 'type', index, true);
  if (id.length > MAX_ID_CHARS) fail('invalid_field', 'id', `id is longer than ${MAX_ID_CHARS} characters`, index);
  if (source.length > MAX_ID_CHARS) fail('invalid_field', 'source', `source is longer than ${MAX_ID_CHARS} characters`, index);
  if (WHITESPACE.test(source)) fail('invalid_field', 'source', 'source must be a URI-reference, which holds no whitespace', index);

  const time = checkString(ev, 'time', index, false);
  if (time !== undefined && !isRfc3339(time)) fail('invalid_field', 'time', `time must be an RFC 3339 timestamp, got ${describe(time)}`, index);
  checkString(ev, 'subject', index, false);
  const contentType = checkString(ev, 'datacontenttype', index, false);
  if (contentType !== undefined && !MEDIA_TYPE.test(contentType)) {
    fail('invalid_field', 'datacontenttype', `datacontenttype must be a media type such as application/json, got ${describe(contentType)}`, index);
  }
  const schema = checkString(ev, 'dataschema', index, false);
  if (schema !== undefined && WHITESPACE.test(schema)) fail('invalid_field', 'dataschema', 'dataschema must be a URI, which holds no whitespace', index);

  if (ev.data_base64 !== undefined) {
    if ('data' in ev) fail('invalid_field', 'data_base64', 'data and data_base64 cannot both be present', index);
    if (typeof ev.data_base64 !== 'string' || !BASE64.test(ev.data_base64)) {
      fail('invalid_field', 'data_base64', 'data_base64 must be a base64 string', index);
    }
  }
  for (const [name, v] of Object.entries(ev)) {
    if (!KNOWN.has(name)) checkExtension(name, v, index);
  }
  return ev as CloudEvent;
}

/** The log's messageId for a CloudEvent: its source and id, which the spec makes unique together. */
export function cloudEventMessageId(ev: Pick<CloudEvent, 'source' | 'id'>): string {
  return `${ev.source} ${ev.id}`;
}
