// Request bodies for each batch_format. Pure, so the wire format is tested without a server.
import type { JsonObject } from '../../core/event.js';
import type { BatchFormat } from './options.js';

export interface Body {
  body: string;
  contentType: string;
}

/** One event, for batch_format none. */
export function eventBody(doc: JsonObject): Body {
  return { body: JSON.stringify(doc), contentType: 'application/json' };
}

/** A whole batch, for json_array and ndjson. NDJSON ends every line, the last one included, with "\n". */
export function batchBody(format: Exclude<BatchFormat, 'none'>, docs: readonly JsonObject[]): Body {
  if (format === 'json_array') return { body: JSON.stringify(docs), contentType: 'application/json' };
  return { body: docs.map((d) => `${JSON.stringify(d)}\n`).join(''), contentType: 'application/x-ndjson' };
}
