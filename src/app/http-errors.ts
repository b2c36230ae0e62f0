// Maps every error that escapes a route to Sluice's JSON error shape and status. Fastify's own errors (body too
// large, bad Content-Length) and zlib's (corrupt gzip) become our codes, so clients see one vocabulary.
import { isConnectionError } from '../backends/postgres/errors.js';
import { SluiceError } from '../core/errors.js';

const RETRY_AFTER_S: Partial<Record<string, number>> = { overloaded: 1, storage_unavailable: 5 };

export function bodyTooLarge(maxBodyBytes: number): SluiceError {
  return new SluiceError('batch_too_large', `the request body is larger than ${maxBodyBytes} bytes (after gzip decoding)`);
}

export function shuttingDown(): SluiceError {
  return new SluiceError('storage_unavailable', 'the server is shutting down; retry shortly');
}

export function toSluiceError(err: unknown, maxBodyBytes: number): SluiceError {
  if (err instanceof SluiceError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(maxBodyBytes);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SluiceError('invalid_body', 'the body length does not match Content-Length');
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'ERR_ZLIB_INITIALIZATION_FAILED':
      return new SluiceError('invalid_encoding', `the gzip body is corrupt: ${e.message ?? 'unknown zlib error'}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SluiceError('invalid_json', 'the body is empty; send a JSON object');
    default:
      // The PostgreSQL store is down (the pipeline retries meanwhile): a query may be retried, it is no server fault.
      if (isConnectionError(err)) return new SluiceError('storage_unavailable', 'the store cannot be reached right now');
      if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        return new SluiceError('invalid_body', e.message ?? 'bad request');
      }
      return new SluiceError('internal', 'internal error');
  }
}

export function retryAfterSeconds(err: SluiceError): number | undefined {
  return RETRY_AFTER_S[err.code];
}
