// Keys on the input side of Jolt specs: literals, "*" patterns, "a|b" alternatives, and the shift-only specials
// "$" (write the matched key), "@" (write a value) and "#" (write a literal). A backslash escapes the next character.
import { SpecProblem } from './errors.js';

export type KeyPattern =
  | { readonly kind: 'literal'; readonly key: string }
  /** `parts` are the literal pieces around the stars: "tag-*-*" is ["tag-", "-", ""]. */
  | { readonly kind: 'star'; readonly parts: readonly string[]; readonly canonical: string };

export type InputKey =
  | KeyPattern
  | { readonly kind: 'dollar'; readonly up: number; readonly group: number }
  | { readonly kind: 'at'; readonly text: string }
  | { readonly kind: 'hash'; readonly value: string };

/** Splits "a|b" on unescaped bars. Escapes are kept for the next parser. */
export function splitAlternatives(raw: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) current += ch + raw[++i]!;
    else if (ch === '|') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

export function unescape(text: string): string {
  return text.replace(/\\(.)/gs, '$1');
}

/** Parses "(N,M)", "N" or nothing after a sigil ("&", "$") at `start`; returns levels up, key group, and the end. */
export function parseRefArgs(text: string, start: number): { up: number; group: number; end: number } {
  const digits = /^[0-9]+/.exec(text.slice(start));
  if (digits !== null) return { up: Number(digits[0]), group: 0, end: start + digits[0].length };
  if (text[start] !== '(') return { up: 0, group: 0, end: start };
  const args = /^\(\s*([0-9]+)\s*(?:,\s*([0-9]+)\s*)?\)/.exec(text.slice(start));
  if (args === null) throw new SpecProblem(`"${text}": a reference is written &, &N or &(N,M) with numbers N and M`);
  return { up: Number(args[1]), group: args[2] === undefined ? 0 : Number(args[2]), end: start + args[0].length };
}

/** Classifies one alternative of an input key. Only shift allows the specials. */
export function parseInputKey(alt: string, specials: boolean): InputKey {
  const sigil = alt[0];
  if (specials && sigil === '$') {
    const { up, group, end } = parseRefArgs(alt, 1);
    if (end !== alt.length) throw new SpecProblem(`"${alt}": write $, $N or $(N,M)`);
    return { kind: 'dollar', up, group };
  }
  if (specials && sigil === '@') return { kind: 'at', text: alt };
  if (specials && sigil === '#') return { kind: 'hash', value: unescape(alt.slice(1)) };
  if (!specials && (sigil === '$' || sigil === '@' || sigil === '#')) {
    throw new SpecProblem(`"${alt}": ${sigil} keys only work in shift (write \\${sigil} for a key that starts with ${sigil})`);
  }
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < alt.length; i++) {
    const ch = alt[i]!;
    if (ch === '\\' && i + 1 < alt.length) current += alt[++i]!;
    else if (ch === '&') throw new SpecProblem(`"${alt}": & references are only valid in output paths (write \\& for a literal &)`);
    else if (ch === '*') {
      if (alt[i + 1] === '*') throw new SpecProblem(`"${alt}": two * in a row`);
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.length === 1 ? { kind: 'literal', key: parts[0]! } : { kind: 'star', parts, canonical: alt };
}

/** A key of a default or remove spec: a literal or a "*" pattern. */
export function parsePattern(alt: string): KeyPattern {
  const key = parseInputKey(alt, false);
  if (key.kind !== 'literal' && key.kind !== 'star') throw new SpecProblem(`"${alt}" is not a key or a * pattern`);
  return key;
}

/**
 * The groups a key matches with: [whole key, first * capture, …], or null. A lone "*" matches any key; in a longer
 * pattern each * takes at least one character and as few as it can, left to right.
 */
export function matchKey(pattern: KeyPattern, key: string): readonly string[] | null {
  if (pattern.kind === 'literal') return key === pattern.key ? [key] : null;
  const { parts } = pattern;
  const stars = parts.length - 1;
  const prefix = parts[0]!;
  const suffix = parts[stars]!;
  if (stars === 1 && prefix === '' && suffix === '') return [key];
  if (key.length < prefix.length + suffix.length + stars || !key.startsWith(prefix) || !key.endsWith(suffix)) return null;
  const end = key.length - suffix.length;
  const groups = [key];
  let pos = prefix.length;
  for (let i = 1; i < stars; i++) {
    const literal = parts[i]!;
    const at = key.indexOf(literal, pos + 1);
    if (at < 0) return null;
    groups.push(key.slice(pos, at));
    pos = at + literal.length;
  }
  if (end - pos < 1) return null;
  groups.push(key.slice(pos, end));
  return groups;
}

/** How many "*" a pattern has: the key groups beyond 0 that references may use. */
export function starCount(pattern: KeyPattern): number {
  return pattern.kind === 'literal' ? 0 : pattern.parts.length - 1;
}
