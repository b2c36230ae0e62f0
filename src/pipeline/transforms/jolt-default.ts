// Jolt default: walk the spec and fill in what the document lacks. A key that is missing or null gets the spec's
// value (a fresh copy); an object in the spec descends, creating the object first when it is missing. "*" applies to
// every key present at that level, "a|b" to those of a and b that are present; only literal keys create anything.
// A key ending in "[]" stands for an array, whose keys are indexes ("0", "2") or "*". Literals apply first, then
// "|" keys (fewest alternatives first), then "*", so a literal default wins over a wildcard one.
import type { JsonObject } from '../../core/event.js';
import { SpecProblem, TransformSpecError } from './errors.js';
import { arrayIndex, childOf, cloneJson, isObject, keysOf, setKey, type Container } from './json.js';
import { parsePattern, splitAlternatives } from './jolt-keys.js';

interface Entry {
  readonly raw: string;
  readonly keys: readonly string[];
  readonly array: boolean;
  readonly value?: unknown;
  readonly children?: Node;
}

interface Node {
  readonly literals: readonly Entry[];
  readonly alternatives: readonly Entry[];
  readonly stars: readonly Entry[];
  /** For an array: the length it is padded to, so that literal indexes exist. */
  readonly length: number;
}

export function compileDefault(spec: unknown, name: string): (doc: JsonObject) => JsonObject {
  if (!isObject(spec)) throw new TransformSpecError(name, '', 'a default spec is an object');
  const root = compileNode(spec, false, [], name);
  return (doc) => {
    applyNode(root, doc);
    return doc;
  };
}

function compileNode(spec: JsonObject, isArray: boolean, keyPath: readonly string[], name: string): Node {
  const literals: Entry[] = [];
  const alternatives: Entry[] = [];
  const stars: Entry[] = [];
  const seen = new Set<string>();
  let length = 0;
  for (const [rawKey, value] of Object.entries(spec)) {
    const path = [...keyPath, rawKey];
    const fail = (reason: string): never => {
      throw new TransformSpecError(name, path.join('.'), reason);
    };
    const array = /(?:^|[^\\])\[\]$/.test(rawKey);
    const bare = array ? rawKey.slice(0, -2) : rawKey;
    let keys: string[];
    try {
      keys = splitAlternatives(bare).map((alt) => {
        const key = parsePattern(alt);
        if (key.kind === 'literal') return key.key;
        if (alt === '*' && bare === '*') return '*';
        return fail(`default supports "*" only as a whole key`);
      });
    } catch (err) {
      if (err instanceof SpecProblem) return fail(err.message);
      throw err;
    }
    const wildcard = bare === '*';
    if (isArray && !wildcard) {
      for (const key of keys) if (arrayIndex(key) === undefined) fail(`under an array ("…[]"), keys are indexes or "*"; "${key}" is not an index`);
      if (keys.length === 1) length = Math.max(length, arrayIndex(keys[0]!)! + 1);
    }
    for (const key of keys) {
      if (seen.has(key)) fail(`"${key}" appears twice at this level`);
      seen.add(key);
    }
    const entry: Entry = isObject(value) ? { raw: rawKey, keys, array, children: compileNode(value, array, path, name) } : { raw: rawKey, keys, array, value };
    if (wildcard) stars.push(entry);
    else if (keys.length === 1) literals.push(entry);
    else alternatives.push(entry);
  }
  alternatives.sort((a, b) => a.keys.length - b.keys.length || (a.raw < b.raw ? -1 : 1));
  return { literals, alternatives, stars, length };
}

function applyNode(node: Node, container: Container): void {
  if (Array.isArray(container)) while (container.length < node.length) container.push(null);
  for (const entry of node.literals) applyKey(entry, entry.keys[0]!, container);
  for (const entry of node.alternatives) for (const key of entry.keys) if (childOf(container, key) !== undefined) applyKey(entry, key, container);
  for (const entry of node.stars) for (const key of keysOf(container)) applyKey(entry, key, container);
}

function applyKey(entry: Entry, key: string, container: Container): void {
  let existing = childOf(container, key);
  if (entry.children === undefined) {
    if (existing === undefined || existing === null) put(container, key, cloneJson(entry.value));
    return;
  }
  if (existing === undefined || existing === null) {
    existing = entry.array ? [] : {};
    put(container, key, existing);
  }
  // A value of the other kind (an array where the spec has an object, a string, …) is left as it is.
  if (entry.array ? Array.isArray(existing) : isObject(existing)) applyNode(entry.children, existing as Container);
}

function put(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) container[arrayIndex(key)!] = value;
  else setKey(container, key, value);
}
