// Batches messages to POST /v1/batch. The write key travels in the body because sendBeacon cannot set headers, and
// the body is sent as text/plain so neither fetch nor sendBeacon needs a CORS preflight.
type Message = Record<string, unknown>;

const FLUSH_AT = 20;
const FLUSH_MS = 1000;
// sendBeacon and fetch keepalive refuse bodies past 64 KiB (counting every keepalive request still in flight).
const MAX_BODY = 60_000;
const MAX_ATTEMPTS = 5;

export function createTransport(url: string, writeKey: string): { add(m: Message): void; flush(leaving?: boolean): void; clear(): void } {
  let queue: Message[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  function body(batch: Message[]): string {
    return JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey });
  }

  function post(batch: Message[], attempt: number): void {
    const retry = (): void => {
      // Messages keep their messageId, so a retry of a batch that did arrive is deduplicated by Sluice.
      if (attempt + 1 < MAX_ATTEMPTS) setTimeout(() => post(batch, attempt + 1), 1000 * 2 ** attempt);
    };
    fetch(url, { method: 'POST', body: body(batch), keepalive: true, credentials: 'omit' }).then(
      (res) => (res.status === 429 || res.status >= 500) && retry(),
      retry,
    );
  }

  /** Splits the queue into batches that fit one request. */
  function take(): Message[][] {
    const out: Message[][] = [];
    let batch: Message[] = [];
    let size = 0;
    for (const m of queue) {
      const n = JSON.stringify(m).length + 1;
      if (batch.length > 0 && size + n > MAX_BODY) {
        out.push(batch);
        batch = [];
        size = 0;
      }
      batch.push(m);
      size += n;
    }
    if (batch.length > 0) out.push(batch);
    queue = [];
    return out;
  }

  function flush(leaving = false): void {
    clearTimeout(timer);
    timer = undefined;
    for (const batch of take()) {
      // When the page goes away, a beacon is the one request the browser promises to finish.
      if (!(leaving && navigator.sendBeacon?.(url, body(batch)))) post(batch, 0);
    }
  }

  return {
    add(m) {
      queue.push(m);
      if (queue.length >= FLUSH_AT) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
    clear() {
      queue = [];
    },
  };
}
