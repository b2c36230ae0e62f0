// References in shift specs, resolved against the walk: "&N" / "&(N,M)" read the key matched N levels up (group M
// of its "*"s), "@(N,path)" reads the value found N levels up and then down `path`. Levels are counted from the key
// being written (0) toward the root; since the walk mirrors the spec, each reference becomes an absolute level
// when compiled, and one that reaches past the top is an error then rather than a surprise per event.
import { SpecProblem } from './errors.js';
import { childOf, isContainer } from './json.js';
import { parseRefArgs } from './jolt-keys.js';

/** What the shift walk holds at each level: the key groups matched there, and the input value under that key. */
export interface Walk {
  readonly groups: (readonly string[])[];
  readonly values: unknown[];
}

/** Where a reference is compiled: the level it counts from, and how many "*" each level's key has. */
export interface Scope {
  readonly depth: number;
  readonly stars: readonly number[];
}

export interface Ref {
  readonly level: number;
  readonly group: number;
}

/** Text made of literal pieces and & references, e.g. "photo-&1-url". */
export type KeyTemplate = readonly (string | Ref)[];

export interface Transpose {
  readonly level: number;
  readonly path: readonly KeyTemplate[];
}

export function ampRef(scope: Scope, up: number, group: number, text: string): Ref {
  const level = scope.depth - up;
  if (level < 1) throw new SpecProblem(`"${text}" reaches ${up} level(s) up, above the top of the spec (this key is ${scope.depth} deep)`);
  const stars = scope.stars[level]!;
  if (group > stars) throw new SpecProblem(`"${text}" asks for group ${group}, but the key at that level has ${stars} "*"`);
  return { level, group };
}

export function parseKeyTemplate(text: string, scope: Scope): KeyTemplate {
  const parts: (string | Ref)[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) literal += text[++i]!;
    else if (ch === '&') {
      const { up, group, end } = parseRefArgs(text, i + 1);
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(ampRef(scope, up, group, text.slice(i, end)));
      i = end - 1;
    } else if (ch === '*') throw new SpecProblem(`"${text}": * only matches input keys; to reuse a matched key in an output path, use & (or write \\* for a literal *)`);
    else literal += ch;
  }
  if (literal !== '' || parts.length === 0) parts.push(literal);
  return parts;
}

/** Parses "@", "@path" or "@(N,path)"; the text must be the whole reference. */
export function parseTranspose(text: string, scope: Scope): Transpose {
  let up = 0;
  let pathText = text.slice(1);
  if (text.startsWith('@(')) {
    const head = /^@\(\s*([0-9]+)\s*(?:,|\)$)/.exec(text);
    if (head === null || !text.endsWith(')')) throw new SpecProblem(`"${text}": write @, @path or @(N,path)`);
    up = Number(head[1]);
    pathText = head[0].endsWith(')') ? '' : text.slice(head[0].length, -1).trim();
  }
  const level = scope.depth - up;
  if (level < 0) throw new SpecProblem(`"${text}" reaches ${up} level(s) up, above the top of the input (this key is ${scope.depth} deep)`);
  if (pathText === '') return { level, path: [] };
  const segments = splitUnescaped(pathText, '.');
  if (segments.some((segment) => segment === '')) throw new SpecProblem(`"${text}": the path has an empty segment`);
  return { level, path: segments.map((segment) => parseKeyTemplate(segment, scope)) };
}

export function evalTemplate(template: KeyTemplate, walk: Walk): string {
  if (template.length === 1 && typeof template[0] === 'string') return template[0];
  let out = '';
  for (const part of template) out += typeof part === 'string' ? part : walk.groups[part.level]![part.group]!;
  return out;
}

/** The value a transpose points at, or undefined when any step is missing. */
export function lookup(transpose: Transpose, walk: Walk): unknown {
  let value = walk.values[transpose.level];
  for (const segment of transpose.path) {
    if (!isContainer(value)) return undefined;
    value = childOf(value, evalTemplate(segment, walk));
  }
  return value;
}

/** Splits on unescaped `separator` outside (), keeping escapes for the next parser. */
export function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let parens = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i]!;
      continue;
    }
    if (ch === '(') parens++;
    else if (ch === ')') parens = Math.max(0, parens - 1);
    if (ch === separator && parens === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}
