// Jolt remove: walk the spec and delete what it names. A key whose spec value is not an object ("" by convention) is
// deleted; an object descends into that key. Keys may be literals, "*" patterns ("*", "tmp_*") or "a|b". In an
// array, keys are indexes ("0") or patterns; matched elements are taken out and the rest close up.
import type { JsonObject } from '../../core/event.js';
import { SpecProblem, TransformSpecError } from './errors.js';
import { arrayIndex, childOf, isContainer, isObject, keysOf, type Container } from './json.js';
import { matchKey, parsePattern, splitAlternatives, type KeyPattern } from './jolt-keys.js';

interface Entry {
  readonly pattern: KeyPattern;
  readonly children?: Node;
}

type Node = readonly Entry[];

export function compileRemove(spec: unknown, name: string): (doc: JsonObject) => JsonObject {
  if (!isObject(spec)) throw new TransformSpecError(name, '', 'a remove spec is an object');
  const root = compileNode(spec, [], name);
  return (doc) => {
    applyNode(root, doc);
    return doc;
  };
}

function compileNode(spec: JsonObject, keyPath: readonly string[], name: string): Node {
  const entries: Entry[] = [];
  for (const [rawKey, value] of Object.entries(spec)) {
    const path = [...keyPath, rawKey];
    const children = isObject(value) ? compileNode(value, path, name) : undefined;
    try {
      for (const alt of splitAlternatives(rawKey)) {
        const pattern = parsePattern(alt);
        entries.push(children === undefined ? { pattern } : { pattern, children });
      }
    } catch (err) {
      if (err instanceof SpecProblem) throw new TransformSpecError(name, path.join('.'), err.message);
      throw err;
    }
  }
  return entries;
}

function applyNode(node: Node, container: Container): void {
  const doomed = new Set<string>();
  for (const entry of node) {
    for (const key of matchingKeys(entry.pattern, container)) {
      if (entry.children === undefined) doomed.add(key);
      else {
        const child = childOf(container, key);
        if (isContainer(child)) applyNode(entry.children, child);
      }
    }
  }
  if (doomed.size === 0) return;
  if (Array.isArray(container)) {
    // Highest index first, so the indexes still to go keep pointing at the same elements.
    const indexes = [...doomed].map((key) => arrayIndex(key)!).sort((a, b) => b - a);
    for (const index of indexes) container.splice(index, 1);
  } else {
    for (const key of doomed) delete container[key];
  }
}

function matchingKeys(pattern: KeyPattern, container: Container): readonly string[] {
  if (pattern.kind === 'literal') return childOf(container, pattern.key) === undefined ? [] : [pattern.key];
  return keysOf(container).filter((key) => matchKey(pattern, key) !== null);
}
