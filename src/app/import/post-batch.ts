// Sends one batch to a running Sluice's /v1/import, as any Segment client would, and says which items it refused.
// Retries what a retry can fix (network errors, 408, 429, 5xx; honouring Retry-After); any other refusal of the
// whole request stops the import, with the server's message.
import type { JsonObject } from '../../core/event.js';

export class ImportError extends Error {}

export interface ImportTarget {
  url: string;
  writeKey: string;
}

export interface ItemRejection {
  index: number;
  code: string;
  message: string;
}

export interface PostOptions {
  signal?: AbortSignal | undefined;
  maxAttempts?: number;
  /** The first retry waits about this long; it doubles each time, up to 30 s. */
  backoffMs?: number;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

interface Answer {
  error?: { code?: string; message?: string };
  rejected?: { index: number | null; code: string; message: string }[];
}

function rejectionsOf(answer: Answer): ItemRejection[] {
  return (answer.rejected ?? []).filter((r) => r.index !== null).map((r) => ({ index: r.index!, code: r.code, message: r.message }));
}

export async function postBatch(target: ImportTarget, batch: readonly JsonObject[], opts: PostOptions = {}): Promise<ItemRejection[]> {
  const body = JSON.stringify({ batch });
  const auth = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  const maxAttempts = opts.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    let why: string;
    let waitMs = Math.min(30_000, (opts.backoffMs ?? 500) * 2 ** (attempt - 1));
    try {
      const res = await fetch(`${target.url}/v1/import`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body, ...(opts.signal ? { signal: opts.signal } : {}) });
      const text = await res.text();
      let answer: Answer = {};
      try {
        answer = JSON.parse(text) as Answer;
      } catch {
        // not JSON (a proxy's page): the status decides
      }
      if (res.ok) return rejectionsOf(answer);
      // Every item refused: the server says which and why; the import goes on with the next batch.
      if (res.status === 400 && Array.isArray(answer.rejected)) return rejectionsOf(answer);
      why = `${res.status} ${answer.error?.code ?? ''}: ${answer.error?.message ?? text.slice(0, 200)}`;
      if (!RETRYABLE(res.status)) throw new ImportError(`${target.url}/v1/import refused the batch: ${why}`);
      const retryAfter = Number(res.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = retryAfter * 1000;
    } catch (err) {
      if (err instanceof ImportError || opts.signal?.aborted) throw err;
      why = `cannot reach ${target.url}: ${(err as Error).message}`;
    }
    if (attempt >= maxAttempts) throw new ImportError(`gave up after ${attempt} attempts: ${why}`);
    await sleep(waitMs, opts.signal);
  }
}
