// The condition language of filter and drop, compiled once into a predicate. A condition object maps dot paths to
// matchers and matches when every entry does; a list of condition objects matches when any one does.
// Matchers: a value (strict equality), a list (any of), { exists: bool }, { not: value or list }.
import type { JsonObject } from '../../core/event.js';
import { getAt, parseDotPath } from './paths.js';
import type { Condition, Matcher } from './schema.js';

export type Predicate = (doc: JsonObject) => boolean;

type Scalar = string | number | boolean | null;

export function compileCondition(condition: Condition): Predicate {
  if (Array.isArray(condition)) {
    const any = condition.map(compileAll);
    return (doc) => any.some((test) => test(doc));
  }
  return compileAll(condition);
}

function compileAll(entries: Record<string, Matcher>): Predicate {
  const tests = Object.entries(entries).map(([text, matcher]) => {
    const path = parseDotPath(text);
    const test = compileMatcher(matcher);
    return (doc: JsonObject) => test(getAt(doc, path));
  });
  return (doc) => tests.every((test) => test(doc));
}

function compileMatcher(matcher: Matcher): (value: unknown) => boolean {
  if (Array.isArray(matcher)) return oneOf(matcher);
  if (matcher !== null && typeof matcher === 'object') {
    if ('exists' in matcher) {
      const wanted = matcher.exists;
      return (value) => (value !== undefined && value !== null) === wanted;
    }
    const test = Array.isArray(matcher.not) ? oneOf(matcher.not) : oneOf([matcher.not]);
    return (value) => !test(value);
  }
  return oneOf([matcher]);
}

// A missing value counts as null, so `null` in a matcher also matches a path that is absent.
function oneOf(values: readonly Scalar[]): (value: unknown) => boolean {
  const set = new Set<unknown>(values);
  return (value) => set.has(value === undefined ? null : value);
}
