// Checks nesting depth and string length on the raw bytes, before JSON.parse. One linear pass with no recursion,
// so hostile input (10,000 nested arrays, a 400 KB string) costs the same as any body of its size: the body-size
// cap bounds the work, and nothing deep ever reaches a recursive walker downstream.
import { SluiceError } from '../../core/errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

export function guardJson(buf: Uint8Array, maxDepth: number, maxStringBytes: number): void {
  let depth = 0;
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const c = buf[i]!;
    if (c === QUOTE) {
      const start = i + 1;
      i = start;
      while (i < n) {
        const s = buf[i]!;
        if (s === BACKSLASH) i += 2;
        else if (s === QUOTE) break;
        else i++;
      }
      // Escapes count by their encoded length: close enough for a limit that exists to stop abuse.
      if (i - start > maxStringBytes) {
        throw new SluiceError('string_too_long', `a string is ${i - start} bytes long; the limit is ${maxStringBytes}`);
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new SluiceError('too_deep', `the JSON nests deeper than ${maxDepth} levels`);
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
    i++;
  }
}

export function parseGuardedJson(buf: Buffer, maxDepth: number, maxStringBytes: number): unknown {
  guardJson(buf, maxDepth, maxStringBytes);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new SluiceError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
