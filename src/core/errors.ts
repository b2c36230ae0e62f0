// The closed registry of error codes Sluice answers with. docs/errors.md lists the same codes;
// src/core/errors.test.ts keeps the two in sync.

export interface ErrorSpec {
  status: number;
  /** Whether a client that retries the same request may succeed. */
  retryable: boolean;
  description: string;
}

export const ERROR_CODES = {
  invalid_json: { status: 400, retryable: false, description: 'The body is not valid JSON.' },
  invalid_body: { status: 400, retryable: false, description: 'The body is valid JSON but not an object of the expected shape.' },
  invalid_field: { status: 400, retryable: false, description: 'A field has the wrong type or an invalid value.' },
  missing_field: { status: 400, retryable: false, description: 'A field required for this message type is absent or empty.' },
  too_deep: { status: 400, retryable: false, description: 'The JSON nests objects or arrays deeper than the limit.' },
  string_too_long: { status: 400, retryable: false, description: 'A string in the JSON is longer than the limit.' },
  message_too_large: { status: 400, retryable: false, description: 'One message is larger than the per-message limit (32 KB by default).' },
  batch_too_large: { status: 413, retryable: false, description: 'The request body is larger than the per-request limit (500 KB by default), before or after gzip decoding.' },
  too_many_items: { status: 400, retryable: false, description: 'The batch holds more items than the limit (2,500 by default).' },
  plan_violation: { status: 400, retryable: false, description: "The message breaks its source's tracking plan, and the source blocks such messages." },
  empty_batch: { status: 400, retryable: false, description: 'The batch array is empty.' },
  invalid_encoding: { status: 400, retryable: false, description: 'The Content-Encoding is unsupported or the gzip stream is corrupt.' },
  invalid_signature: { status: 400, retryable: false, description: 'A webhook signature is missing, wrong or outside its time tolerance.' },
  unauthorized: { status: 401, retryable: false, description: 'The write key is missing or unknown.' },
  forbidden: { status: 401, retryable: false, description: 'The admin token is missing or wrong.' },
  not_found: { status: 404, retryable: false, description: 'No such route, or nothing holds the id asked for (a profile).' },
  overloaded: { status: 429, retryable: true, description: 'The server is past its capacity (requests, body bytes or bytes waiting for the disk in flight, or event-loop lag); nothing was stored; retry after the Retry-After seconds.' },
  storage_unavailable: { status: 503, retryable: true, description: 'The log or the store cannot be reached right now (disk error, database down, shutting down); retry after the Retry-After seconds.' },
  internal: { status: 500, retryable: true, description: 'An unexpected error; it is logged with its stack.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that carries its code, the JSON path of the offending field, and for batches the item index. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly index: number | undefined;

  constructor(code: ErrorCode, message: string, opts: { field?: string; index?: number } = {}) {
    super(message);
    this.name = 'SluiceError';
    this.code = code;
    this.field = opts.field;
    this.index = opts.index;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string; index?: number } {
    const out: { code: ErrorCode; message: string; field?: string; index?: number } = { code: this.code, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    if (this.index !== undefined) out.index = this.index;
    return out;
  }
}
