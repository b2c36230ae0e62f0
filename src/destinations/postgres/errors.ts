// Which Postgres errors say "this row is bad" and which say "try again later". Only the first kind may turn into a
// permanent failure, and only after bisection has pinned it on single rows.

export type ErrorKind = 'data' | 'retry';

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * data: 22xxx (bad value: unparseable time, NUL in text), 23xxx except unique violations (ON CONFLICT absorbs
 * those; one that escapes is not the row's fault), 54000 (a value too large for the key's index).
 * retry: everything else. Connection failures, timeouts, 08xxx, 40001, 40P01, 57P0x plainly; configuration and
 * permission errors (42xxx, 28xxx, 3D000) too, because the events are fine and dead-lettering all of them while
 * someone fixes a grant would be worse than waiting.
 */
export function classify(err: unknown): ErrorKind {
  const code = sqlState(err);
  if (code === undefined) return 'retry';
  if (code.startsWith('22') || code === '54000') return 'data';
  if (code.startsWith('23') && code !== '23505') return 'data';
  return 'retry';
}

export function describeError(err: unknown): string {
  const code = sqlState(err);
  const message = err instanceof Error ? err.message : String(err);
  return code === undefined ? message : `${code} ${message}`;
}
