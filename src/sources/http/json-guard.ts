// Checks nesting depth and string length on the body's text, before JSON.parse. One linear pass with no recursion,
// so hostile input (10,000 nested arrays, a 400 KB string) costs the same as any body of its size: the body-size
// cap bounds the work, and nothing deep ever reaches a recursive walker downstream. For the tracking API the same pass
// also finds where each message keeps its context, properties, traits and integrations (message-spans.ts).
import { SluiceError } from '../../core/errors.js';
import { type MessageSpans, SPAN_FIELD_INDEX, type SpanMode } from './message-spans.js';

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
function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Which located field the key text[start, end) names, or -1. */
function fieldOf(text: string, start: number, end: number): number {
  const len = end - start;
  if (len !== 7 && len !== 10 && len !== 6 && len !== 12) return -1;
  const f = SPAN_FIELD_INDEX[text.slice(start, end)];
  return f === undefined ? -1 : f;
}

/**
 * Throws the SluiceError that names the first limit `text` breaks. With `spans`, also records where each message
 * (`mode`: the body itself, or each item of the body's `batch` array) keeps its located fields. Invalid JSON is not
 * this pass's concern (JSON.parse reports it); it only must not mislead it into a wrong span on valid JSON.
 */
export function guardJson(text: string, maxDepth: number, maxStringBytes: number, spans?: MessageSpans, mode: SpanMode = 'single'): void {
  // Message objects sit at depth 1 (the body) or 3 (body → batch array → item).
  const msgDepth = mode === 'batch' ? 3 : 1;
  let depth = 0;
  let i = 0;
  const n = text.length;
  let inBatch = false; // inside the body's batch array
  let batchNext = false; // the '[' about to be read opens the batch array
  let item = 0; // index of the message being read
  let inMessage = false;
  let pendingField = -1; // the '{' about to be read opens this field's object
  let openField = -1; // the field whose object is being read
  let fieldStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      i = start;
      while (i < n) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) {
          i += 2;
          escaped = true;
        } else if (s === QUOTE) break;
        else i++;
      }
      // Escapes count by their encoded length: close enough for a limit that exists to stop abuse. A UTF-16 unit is
      // at most 3 UTF-8 bytes, so only long strings are measured.
      if ((i - start) * 3 > maxStringBytes) {
        const bytes = Buffer.byteLength(text.slice(start, Math.min(i, n)), 'utf8');
        if (bytes > maxStringBytes) throw new SluiceError('string_too_long', `a string is ${bytes} bytes long; the limit is ${maxStringBytes}`);
      }
      if (spans !== undefined && ((inMessage && depth === msgDepth) || (mode === 'batch' && depth === 1))) {
        let j = skipSpace(text, i + 1);
        if (j < n && text.charCodeAt(j) === COLON) {
          j = skipSpace(text, j + 1);
          const value = j < n ? text.charCodeAt(j) : 0;
          if (depth === msgDepth && inMessage) {
            if (escaped) spans.distrust(item);
            else {
              // A field's span is its last object value's: whether its last value is an object at all, the parsed
              // message says, and only then is the span read.
              const f = fieldOf(text, start, i);
              if (f >= 0 && value === OPEN_BRACE) pendingField = f;
            }
          } else if (escaped) spans.distrustAll();
          else if (i - start === 5 && text.startsWith('batch', start)) {
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

/** The body decoded (UTF-8), guarded and parsed; `spans`, when given, filled as guardJson does. */
export function parseGuardedText(text: string, maxDepth: number, maxStringBytes: number, spans?: MessageSpans, mode?: SpanMode): unknown {
  guardJson(text, maxDepth, maxStringBytes, spans, mode);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SluiceError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseGuardedJson(buf: Buffer, maxDepth: number, maxStringBytes: number): unknown {
  return parseGuardedText(buf.toString('utf8'), maxDepth, maxStringBytes);
}
