// Checks nesting depth and string length on the raw bytes, before JSON.parse. One linear pass with no recursion,
// so hostile input (10,000 nested arrays, a 400 KB string) costs the same as any body of its size: the body-size
// cap bounds the work, and nothing deep ever reaches a recursive walker downstream. For the tracking API the same pass
// also finds where each message keeps its context, properties, traits and integrations (message-spans.ts).
import { SluiceError } from '../../core/errors.js';
import { type MessageSpans, SPAN_FIELDS, type SpanMode } from './message-spans.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The first position at or after `i` that is not JSON whitespace. */
function skipSpace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isSpace(buf[i]!)) i++;
  return i;
}

const NAMES: readonly Uint8Array[] = SPAN_FIELDS.map((f) => Buffer.from(f, 'latin1'));
const BATCH = Buffer.from('batch', 'latin1');

function named(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (buf[start + k] !== name[k]) return false;
  return true;
}

/** Which located field the key buf[start, end) names, or -1. The names differ in length. */
function fieldOf(buf: Uint8Array, start: number, end: number): number {
  for (let f = 0; f < NAMES.length; f++) if (named(buf, start, end, NAMES[f]!)) return f;
  return -1;
}

/**
 * Throws the SluiceError that names the first limit `buf` breaks. With `spans`, also records where each message
 * (`mode`: the body itself, or each item of the body's `batch` array) keeps its located fields, as byte offsets.
 * Invalid JSON is not this pass's concern (JSON.parse reports it); it only must not mislead it into a wrong span on
 * valid JSON.
 */
export function guardJson(buf: Uint8Array, maxDepth: number, maxStringBytes: number, spans?: MessageSpans, mode: SpanMode = 'single'): void {
  // Message objects sit at depth 1 (the body) or 3 (body → batch array → item).
  const msgDepth = mode === 'batch' ? 3 : 1;
  let depth = 0;
  let i = 0;
  const n = buf.length;
  let inBatch = false; // inside the body's batch array
  let batchNext = false; // the '[' about to be read opens the batch array
  let item = 0; // index of the message being read
  let inMessage = false;
  let pendingField = -1; // the '{' about to be read opens this field's object
  let openField = -1; // the field whose object is being read
  let fieldStart = 0;
  while (i < n) {
    const c = buf[i]!;
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      i = start;
      while (i < n) {
        const s = buf[i]!;
        if (s === BACKSLASH) {
          i += 2;
          escaped = true;
        } else if (s === QUOTE) break;
        else i++;
      }
      // Escapes count by their encoded length: close enough for a limit that exists to stop abuse.
      if (i - start > maxStringBytes) {
        throw new SluiceError('string_too_long', `a string is ${i - start} bytes long; the limit is ${maxStringBytes}`);
      }
      if (spans !== undefined && ((inMessage && depth === msgDepth) || (mode === 'batch' && depth === 1))) {
        let j = skipSpace(buf, i + 1);
        if (j < n && buf[j] === COLON) {
          j = skipSpace(buf, j + 1);
          const value = j < n ? buf[j] : 0;
          if (depth === msgDepth && inMessage) {
            if (escaped) spans.distrust(item);
            else {
              // A field's span is its last object value's: whether its last value is an object at all, the parsed
              // message says, and only then is the span read.
              const f = fieldOf(buf, start, i);
              if (f >= 0 && value === OPEN_BRACE) pendingField = f;
            }
          } else if (escaped) spans.distrustAll();
          else if (named(buf, start, i, BATCH)) {
            // JSON.parse keeps the last "batch": so do we. Each of its messages' slots start afresh as it opens.
            item = 0;
            batchNext = value === OPEN_BRACKET;
          }
        }
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new SluiceError('too_deep', `the JSON nests deeper than ${maxDepth} levels`);
      }
      if (spans !== undefined) {
        if (batchNext && depth === 2) {
          inBatch = true;
          batchNext = false;
        } else if (depth === msgDepth && c === OPEN_BRACE && (mode === 'single' || inBatch)) {
          inMessage = true;
          spans.open(item);
        } else if (pendingField >= 0 && depth === msgDepth + 1) {
          openField = pendingField;
          fieldStart = i;
          pendingField = -1;
        }
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (spans !== undefined) {
        if (openField >= 0 && depth === msgDepth + 1) {
          spans.set(item, openField, fieldStart, i + 1);
          openField = -1;
        } else if (inMessage && depth === msgDepth) inMessage = false;
        else if (inBatch && depth === 2) inBatch = false;
      }
      depth--;
    } else if (c === COMMA && inBatch && depth === 2) {
      item++;
    }
    i++;
  }
}

/** The body guarded, then parsed; `spans`, when given, filled as guardJson does and given the body to read from. */
export function parseGuardedJson(buf: Buffer, maxDepth: number, maxStringBytes: number, spans?: MessageSpans, mode?: SpanMode): unknown {
  guardJson(buf, maxDepth, maxStringBytes, spans, mode);
  const text = buf.toString('utf8');
  spans?.readFrom(buf, text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SluiceError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
