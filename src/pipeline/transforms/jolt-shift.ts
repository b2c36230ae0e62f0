// Jolt shift: walk the input and the spec together and copy each matched value to its output path(s). Input that no
// spec key matches is left out. The spec is compiled once into a tree of matchers and writers; running it does no
// parsing. At each level an input key goes to the literal key equal to it, else to the first "*" pattern that matches
// (longest pattern first, then alphabetical, as Jolt does); "$", "@" and "#" keys run whenever their parent matches.
// A scalar value can be matched too: its children match against its text ("true", "42"), which makes conditions.
import type { JsonObject } from '../../core/event.js';
import { TransformError } from '../../core/transform.js';
import { SpecProblem, TransformSpecError } from './errors.js';
import { arrayIndex, childOf, describeValue, isContainer, isObject, keysOf } from './json.js';
import { matchKey, parseInputKey, splitAlternatives, starCount, type KeyPattern } from './jolt-keys.js';
import { parseOutputPath, writeOutput, type OutputPath } from './jolt-output.js';
import { ampRef, lookup, parseTranspose, type Ref, type Scope, type Transpose, type Walk } from './jolt-refs.js';

interface Node {
  readonly literals: ReadonlyMap<string, Child>;
  readonly patterns: readonly Child[];
  readonly specials: readonly Special[];
}

interface Child {
  readonly pattern: KeyPattern;
  /** A literal key's match groups ([key]), made once here rather than for every input key it matches. */
  readonly groups?: readonly string[];
  readonly node?: Node;
  readonly outputs?: readonly OutputPath[];
}

type Special =
  | { readonly kind: 'dollar'; readonly ref: Ref; readonly outputs: readonly OutputPath[] }
  | { readonly kind: 'at'; readonly from: Transpose; readonly outputs: readonly OutputPath[] }
  | { readonly kind: 'hash'; readonly value: string; readonly outputs: readonly OutputPath[] };

interface Run {
  readonly name: string;
  readonly walk: Walk;
  readonly holder: JsonObject;
}

const ROOT_GROUPS: readonly string[] = ['root'];

export function compileShift(spec: unknown, name: string): (doc: JsonObject) => JsonObject {
  if (!isObject(spec)) throw new TransformSpecError(name, '', 'a shift spec is an object');
  const depth = { max: 0 };
  const root = compileNode(spec, { depth: 0, stars: [0] }, [], name, depth);
  const levels = depth.max + 2;
  return (doc) => {
    const walk: Walk = { groups: new Array<readonly string[]>(levels), values: new Array<unknown>(levels) };
    walk.groups[0] = ROOT_GROUPS;
    walk.values[0] = doc;
    const run: Run = { name, walk, holder: {} };
    applyNode(root, 0, doc, run);
    const output = run.holder.root;
    if (output === undefined) return {};
    if (!isObject(output)) throw new TransformError(name, `the output is ${describeValue(output)}, not an object (an output path "" wrote a value that is not an object)`);
    return output;
  };
}

function compileNode(spec: JsonObject, scope: Scope, keyPath: readonly string[], name: string, depth: { max: number }): Node {
  const literals = new Map<string, Child>();
  const patterns: (Child & { pattern: { kind: 'star'; canonical: string } })[] = [];
  const specials: Special[] = [];
  const seen = new Set<string>();
  depth.max = Math.max(depth.max, scope.depth);
  for (const [rawKey, value] of Object.entries(spec)) {
    const path = [...keyPath, rawKey];
    const fail = (reason: string): never => {
      throw new TransformSpecError(name, path.join('.'), reason);
    };
    try {
      for (const alt of splitAlternatives(rawKey)) {
        if (seen.has(alt)) fail(`"${alt}" appears twice at this level`);
        seen.add(alt);
        const key = parseInputKey(alt, true);
        if (key.kind === 'literal' || key.kind === 'star') {
          const childScope: Scope = { depth: scope.depth + 1, stars: [...scope.stars, starCount(key)] };
          const child: Child = isObject(value)
            ? { pattern: key, node: Object.keys(value).length === 0 ? fail('an empty {} matches input but writes nothing') : compileNode(value, childScope, path, name, depth) }
            : { pattern: key, outputs: compileOutputs(value, childScope, fail) };
          if (key.kind === 'literal') literals.set(key.key, { ...child, groups: [key.key] });
          else patterns.push({ ...child, pattern: key });
          continue;
        }
        if (isObject(value)) fail(`"${alt}" writes one value and cannot have keys below it`);
        // The special's own level: "$" holds the key it wrote, "@" and "#" repeat their parent's (so &0 = &1).
        const ownStars = key.kind === 'dollar' ? 0 : scope.stars[scope.depth]!;
        const outputs = compileOutputs(value, { depth: scope.depth + 1, stars: [...scope.stars, ownStars] }, fail);
        if (key.kind === 'dollar') specials.push({ kind: 'dollar', ref: ampRef(scope, key.up, key.group, alt), outputs });
        else if (key.kind === 'at') specials.push({ kind: 'at', from: parseTranspose(key.text, scope), outputs });
        else specials.push({ kind: 'hash', value: key.value, outputs });
      }
    } catch (err) {
      if (err instanceof SpecProblem) fail(err.message);
      throw err;
    }
  }
  patterns.sort((a, b) => b.pattern.canonical.length - a.pattern.canonical.length || (a.pattern.canonical < b.pattern.canonical ? -1 : 1));
  return { literals, patterns, specials };
}

function compileOutputs(value: unknown, scope: Scope, fail: (reason: string) => never): OutputPath[] {
  const texts = typeof value === 'string' ? [value] : Array.isArray(value) && value.length > 0 ? value : fail('expected an output path, a list of output paths, or an object of keys');
  return texts.map((text) => (typeof text === 'string' ? parseOutputPath(text, scope) : fail(`output paths are strings, found ${describeValue(text)}`)));
}

/** Applies a node whose key matched at `level` (its groups and value are in the walk). */
function applyNode(node: Node, level: number, input: unknown, run: Run): void {
  const { walk } = run;
  for (const special of node.specials) {
    let data: unknown;
    if (special.kind === 'dollar') data = walk.groups[special.ref.level]![special.ref.group];
    else if (special.kind === 'at') data = lookup(special.from, walk);
    else data = special.value;
    if (data === undefined) continue;
    walk.groups[level + 1] = special.kind === 'dollar' ? [data as string] : walk.groups[level]!;
    walk.values[level + 1] = input;
    write(special.outputs, data, level, run);
  }
  if (isContainer(input)) {
    if (node.patterns.length === 0 && !Array.isArray(input)) {
      // Only literal keys here: look them up instead of scanning the input.
      for (const [key, child] of node.literals) if (Object.hasOwn(input, key)) applyChild(child, child.groups!, input[key], level + 1, run);
      return;
    }
    if (node.patterns.length === 0) {
      for (const [key, child] of node.literals) {
        const value = arrayIndex(key) === undefined ? undefined : childOf(input, key);
        if (value !== undefined) applyChild(child, child.groups!, value, level + 1, run);
      }
      return;
    }
    for (const key of keysOf(input)) matchOne(node, key, childOf(input, key), level + 1, run);
  } else if (typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean') {
    // A scalar's text is matched like a key; what matches has no value below it, only its key.
    matchOne(node, String(input), undefined, level + 1, run);
  }
}

function matchOne(node: Node, key: string, value: unknown, level: number, run: Run): void {
  const literal = node.literals.get(key);
  if (literal !== undefined) {
    applyChild(literal, literal.groups!, value, level, run);
    return;
  }
  for (const child of node.patterns) {
    const groups = matchKey(child.pattern, key);
    if (groups !== null) {
      applyChild(child, groups, value, level, run);
      return;
    }
  }
}

function applyChild(child: Child, groups: readonly string[], value: unknown, level: number, run: Run): void {
  run.walk.groups[level] = groups;
  run.walk.values[level] = value;
  if (child.node !== undefined) applyNode(child.node, level, value, run);
  else if (value !== undefined) write(child.outputs!, value, level, run);
}

/** `level` is the deepest level of the input path to name in errors. */
function write(outputs: readonly OutputPath[], data: unknown, level: number, run: Run): void {
  for (const output of outputs) {
    const problem = writeOutput(run.holder, output, data, run.walk);
    if (problem !== undefined) throw new TransformError(run.name, problem, inputPath(run.walk, level));
  }
}

function inputPath(walk: Walk, level: number): string {
  const keys: string[] = [];
  for (let i = 1; i <= level; i++) keys.push(walk.groups[i]![0]!);
  return keys.join('.');
}
