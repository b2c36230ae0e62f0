// The HTTP binding's binary content mode: attributes travel as ce-* headers, the body is the data as-is and
// Content-Type is its datacontenttype. Rebuilds the structured event Sluice stores, then checks it like any other.
import type { IncomingHttpHeaders } from 'node:http';
import type { CloudEvent } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import type { JsonObject } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import { parseGuardedJson } from '../http/json-guard.js';
import { checkCloudEvent, isJsonMediaType } from './attributes.js';

const PREFIX = 'ce-';
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the request carries its attributes in headers: the mode is binary. */
export function isBinaryMode(headers: IncomingHttpHeaders): boolean {
  return headers[`${PREFIX}specversion`] !== undefined;
}

/**
 * A header value as the binding encodes it: optionally a quoted string (older producers), then one round of
 * percent-decoding. Malformed escapes and invalid UTF-8 (overlong forms included) throw URIError.
 */
export function decodeHeaderValue(raw: string): string {
  let v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  return decodeURIComponent(v);
}

function headerValue(name: string, raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const joined = Array.isArray(raw) ? raw.join(', ') : raw;
  try {
    return decodeHeaderValue(joined);
  } catch {
    throw new SluiceError('invalid_field', `the ${PREFIX}${name} header is not validly percent-encoded UTF-8`, { field: name });
  }
}

/** The body as the event's data: JSON parsed when the content type says JSON (or is absent), else text, else bytes. */
function attachData(ev: JsonObject, body: Buffer, contentType: string | undefined, limits: IngestLimits): void {
  if (body.length === 0) return;
  if (contentType === undefined || isJsonMediaType(contentType)) {
    try {
      ev.data = parseGuardedJson(body, limits.max_depth, limits.max_string_bytes);
    } catch (err) {
      if (!(err instanceof SluiceError)) throw err;
      const why = contentType === undefined ? ' (no Content-Type was sent, so the data must be JSON)' : '';
      throw new SluiceError(err.code, `data: ${err.message}${why}`, { field: 'data' });
    }
    return;
  }
  try {
    ev.data = utf8.decode(body);
  } catch {
    // Not text: the JSON format carries bytes as data_base64.
    ev.data_base64 = body.toString('base64');
  }
}

export function binaryCloudEvent(headers: IncomingHttpHeaders, body: Buffer, limits: IngestLimits): CloudEvent {
  for (const name of REQUIRED) {
    if (headers[`${PREFIX}${name}`] === undefined) {
      throw new SluiceError('missing_field', `the ${PREFIX}${name} header is required in binary mode`, { field: name });
    }
  }
  const ev: JsonObject = {};
  for (const name of REQUIRED) ev[name] = headerValue(name, headers[`${PREFIX}${name}`]);
  for (const [key, raw] of Object.entries(headers)) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    if (name in ev) continue;
    if (name === 'datacontenttype') {
      throw new SluiceError('invalid_field', 'send the data\'s media type as Content-Type; ce-datacontenttype is not allowed in binary mode', { field: name });
    }
    if (name === 'data') throw new SluiceError('invalid_field', 'data is a reserved name; the body carries the data in binary mode', { field: name });
    ev[name] = headerValue(name, raw);
  }
  const contentType = headers['content-type']?.trim() || undefined;
  if (contentType !== undefined) ev.datacontenttype = contentType;
  attachData(ev, body, contentType, limits);
  return checkCloudEvent(ev);
}
