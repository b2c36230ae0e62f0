// PostgreSQL text cannot hold NUL. Free text that may carry one (a rejected body's sample, a violation's example)
// keeps its shape with U+FFFD in its place; keys that must round-trip exactly use their own encoding.
export function pgText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}
