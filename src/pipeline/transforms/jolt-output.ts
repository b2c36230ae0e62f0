// Output paths of shift specs ("SecondaryRatings.&1.Value", "photos[&1].url", "events[]") and writing to them.
// Writing follows Jolt: missing objects and arrays are created on the way; a second value written to the same
// place turns it into an array of both (or is appended when an array is already there).
import type { JsonObject } from '../../core/event.js';
import { SpecProblem } from './errors.js';
import { arrayIndex, childOf, cloneJson, describeValue, isObject, setKey, type Container } from './json.js';
import { evalTemplate, lookup, parseKeyTemplate, parseTranspose, splitUnescaped, type KeyTemplate, type Ref, type Scope, type Transpose, type Walk } from './jolt-refs.js';

/** Arrays are padded with nulls up to an index; this bounds what one event can make us allocate. */
export const MAX_OUTPUT_INDEX = 100_000;

type Accessor =
  | { readonly kind: 'key'; readonly key: KeyTemplate }
  | { readonly kind: 'keyFrom'; readonly from: Transpose }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'append' }
  | { readonly kind: 'indexRef'; readonly ref: Ref; readonly text: string }
  | { readonly kind: 'indexFrom'; readonly from: Transpose; readonly text: string };

export interface OutputPath {
  readonly text: string;
  readonly accessors: readonly Accessor[];
}

/** The empty path writes the value as the whole output. */
export function parseOutputPath(text: string, scope: Scope): OutputPath {
  if (text === '') return { text, accessors: [] };
  const accessors: Accessor[] = [];
  for (const segment of splitUnescaped(text, '.')) {
    const bracket = firstUnescaped(segment, '[');
    const name = bracket < 0 ? segment : segment.slice(0, bracket);
    if (name === '' && (bracket < 0 || accessors.length === 0)) {
      throw new SpecProblem(`output path "${text}" has an empty segment${bracket === 0 ? ' (it cannot start with [ ]: the output is an object)' : ''}`);
    }
    if (name !== '') accessors.push(name.startsWith('@') ? { kind: 'keyFrom', from: parseTranspose(name, scope) } : { kind: 'key', key: parseKeyTemplate(name, scope) });
    let rest = bracket < 0 ? '' : segment.slice(bracket);
    while (rest !== '') {
      const close = rest.indexOf(']');
      if (!rest.startsWith('[') || close < 0) throw new SpecProblem(`output path "${text}": "${rest}" is not an array index like [], [0] or [&1]`);
      accessors.push(parseIndex(rest.slice(1, close), scope, text));
      rest = rest.slice(close + 1);
    }
  }
  return { text, accessors };
}

function parseIndex(inner: string, scope: Scope, text: string): Accessor {
  if (inner === '') return { kind: 'append' };
  if (/^[0-9]+$/.test(inner)) {
    const index = Number(inner);
    if (index > MAX_OUTPUT_INDEX) throw new SpecProblem(`output path "${text}": index ${inner} is above the limit of ${MAX_OUTPUT_INDEX}`);
    return { kind: 'index', index };
  }
  if (inner.startsWith('@')) return { kind: 'indexFrom', from: parseTranspose(inner, scope), text: inner };
  if (inner.startsWith('&')) {
    const template = parseKeyTemplate(inner, scope);
    const ref = template[0];
    if (template.length !== 1 || typeof ref !== 'object') throw new SpecProblem(`output path "${text}": write [&N] or [&(N,M)] alone inside the brackets`);
    return { kind: 'indexRef', ref, text: inner };
  }
  if (inner.startsWith('#')) throw new SpecProblem(`output path "${text}": [#N] indexes are not supported`);
  throw new SpecProblem(`output path "${text}": [${inner}] is not an array index like [], [0], [&1] or [@(1,i)]`);
}

function firstUnescaped(text: string, ch: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ch) return i;
  }
  return -1;
}

const APPEND = -1;

/**
 * Writes a copy of `data` at `path` in `holder.root`. Returns why it could not (for the caller's TransformError), or
 * undefined when it wrote or when an @(…) key found no value (like unmatched input, that write is skipped).
 */
export function writeOutput(holder: JsonObject, path: OutputPath, data: unknown, walk: Walk): string | undefined {
  const steps: (string | number)[] = ['root'];
  for (const accessor of path.accessors) {
    const step = resolve(accessor, walk);
    if (step === undefined) return undefined;
    if (typeof step === 'object') return step.problem;
    steps.push(step);
  }
  let container: Container = holder;
  for (let i = 0; i < steps.length - 1; i++) {
    const wantArray = typeof steps[i + 1] === 'number';
    const next = descend(container, steps[i]!, wantArray);
    if (next === undefined) {
      const found = describeValue(childOf(container, String(steps[i])));
      return `output "${shown(steps, i + 1)}" holds ${found}, cannot write "${shown(steps, steps.length)}" inside it (output path "${path.text}")`;
    }
    container = next;
  }
  put(container, steps[steps.length - 1]!, cloneJson(data));
  return undefined;
}

function resolve(accessor: Accessor, walk: Walk): string | number | { problem: string } | undefined {
  switch (accessor.kind) {
    case 'key':
      return evalTemplate(accessor.key, walk);
    case 'keyFrom': {
      const value = lookup(accessor.from, walk);
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    }
    case 'index':
      return accessor.index;
    case 'append':
      return APPEND;
    case 'indexRef':
      return checkIndex(walk.groups[accessor.ref.level]![accessor.ref.group]!, accessor.text);
    case 'indexFrom': {
      const value = lookup(accessor.from, walk);
      if (value === undefined || value === null) return undefined;
      return checkIndex(typeof value === 'number' ? String(value) : typeof value === 'string' ? value : describeValue(value), accessor.text);
    }
  }
}

function checkIndex(text: string, source: string): number | { problem: string } {
  const index = arrayIndex(text);
  if (index === undefined) return { problem: `[${source}] is "${text}", not an array index` };
  if (index > MAX_OUTPUT_INDEX) return { problem: `[${source}] is ${index}, above the limit of ${MAX_OUTPUT_INDEX}` };
  return index;
}

/** The container under `step`, created when missing; undefined when something else is there. */
function descend(container: Container, step: string | number, wantArray: boolean): Container | undefined {
  if (Array.isArray(container)) {
    const index = step as number;
    if (index === APPEND) {
      const created: Container = wantArray ? [] : {};
      container.push(created);
      return created;
    }
    while (container.length <= index) container.push(null);
    const existing = container[index];
    if (existing === null || existing === undefined) return (container[index] = wantArray ? [] : {});
    return wantArray === Array.isArray(existing) && typeof existing === 'object' ? (existing as Container) : undefined;
  }
  const key = step as string;
  const existing = Object.hasOwn(container, key) ? container[key] : undefined;
  if (existing === null || existing === undefined) {
    const created: Container = wantArray ? [] : {};
    setKey(container, key, created);
    return created;
  }
  if (wantArray ? Array.isArray(existing) : isObject(existing)) return existing as Container;
  return undefined;
}

function put(container: Container, step: string | number, value: unknown): void {
  if (Array.isArray(container)) {
    const index = step as number;
    if (index === APPEND) {
      container.push(value);
      return;
    }
    while (container.length <= index) container.push(null);
    container[index] = merge(container[index], value);
    return;
  }
  const key = step as string;
  setKey(container, key, merge(Object.hasOwn(container, key) ? container[key] : undefined, value));
}

// Jolt: a second value at the same place makes an array of both; an array already there gets the value appended.
function merge(existing: unknown, value: unknown): unknown {
  if (existing === undefined || existing === null) return value;
  if (Array.isArray(existing)) {
    existing.push(value);
    return existing;
  }
  return [existing, value];
}

function shown(steps: readonly (string | number)[], count: number): string {
  let out = '';
  for (let i = 1; i < count; i++) {
    const step = steps[i]!;
    if (typeof step === 'number') out += step === APPEND ? '[]' : `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out === '' ? '(the whole output)' : out;
}
