// Dot paths for the verbs and conditions: "properties.revenue", "products.0.sku". A backslash escapes a dot or a
// backslash inside a key ("context.page\.url"). A numeric segment indexes an array; on an object it is a key.
// Paths are parsed once, when transforms are compiled; these functions only walk.
import type { JsonObject } from '../../core/event.js';
import { arrayIndex, childOf, isContainer, isObject, setKey } from './json.js';

export type DotPath = readonly string[];

/** Why `text` is not a dot path, or undefined when it is one. */
export function dotPathProblem(text: string): string | undefined {
  if (text === '') return 'a path cannot be empty';
  if (/(?:^|[^\\])(?:\\\\)*\\$/.test(text)) return 'a path cannot end with a lone backslash';
  if (parseSegments(text).some((segment) => segment === '')) return 'a path has an empty segment (two dots in a row, or a leading or trailing dot)';
  return undefined;
}

export function parseDotPath(text: string): DotPath {
  const problem = dotPathProblem(text);
  if (problem !== undefined) throw new Error(`${JSON.stringify(text)}: ${problem}`);
  return parseSegments(text);
}

function parseSegments(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) current += text[++i]!;
    else if (ch === '.') {
      segments.push(current);
      current = '';
    } else current += ch;
  }
  segments.push(current);
  return segments;
}

/** The value at `path`, or undefined when any step is missing. */
export function getAt(root: unknown, path: DotPath): unknown {
  let current = root;
  for (const key of path) {
    if (!isContainer(current)) return undefined;
    current = childOf(current, key);
  }
  return current;
}

/**
 * Sets the value at `path`, creating objects for missing (or null) steps. An array step needs an index at most its
 * length (the length appends). Returns why it could not, or undefined when it did.
 */
export function setAt(root: JsonObject, path: DotPath, value: unknown): string | undefined {
  let current: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (Array.isArray(current)) {
      const index = arrayIndex(key);
      if (index === undefined || index > current.length) return `${where(path, i)} is an array of ${current.length}, and "${key}" is not an index in it`;
      if (last) current[index] = value;
      else {
        if (current[index] === undefined || current[index] === null) current[index] = {};
        current = current[index];
      }
    } else if (isObject(current)) {
      if (last) setKey(current, key, value);
      else {
        const next = Object.hasOwn(current, key) ? current[key] : undefined;
        if (next === undefined || next === null) setKey(current, key, {});
        current = current[key];
      }
    } else {
      return `${where(path, i)} holds ${current === null ? 'null' : `a ${typeof current}`}, not an object`;
    }
  }
  return undefined;
}

/** Removes the value at `path` (an array element is spliced out) and returns it; undefined when there was none. */
export function deleteAt(root: JsonObject, path: DotPath): unknown {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const index = arrayIndex(key);
    if (index === undefined || index >= parent.length) return undefined;
    return parent.splice(index, 1)[0];
  }
  if (!isObject(parent) || !Object.hasOwn(parent, key)) return undefined;
  const value = parent[key];
  delete parent[key];
  return value;
}

/** The first `count` segments, written as a path, for messages. */
function where(path: DotPath, count: number): string {
  return count === 0 ? 'the document' : `"${path.slice(0, count).join('.')}"`;
}
