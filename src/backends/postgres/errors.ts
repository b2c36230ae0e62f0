// Which PostgreSQL errors mean "the server is gone, try again". Apart from connection.ts so that code which only
// classifies errors (the HTTP error mapping) does not load the `pg` driver: an embedded-only server never does.

// Connection-level failures: the server refused, reset or was shut down (57P01 admin_shutdown, 57P02/57P03
// crash/cannot connect now, 08xxx connection exceptions), or the client saw the socket end.
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03']);
// Conflicts between concurrent writers that the same transaction, run again, resolves.
const CONFLICT_CODES = new Set(['40001', '40P01']);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (RETRYABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return typeof e.message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message);
}

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isConnectionError(err) || (typeof code === 'string' && CONFLICT_CODES.has(code));
}
