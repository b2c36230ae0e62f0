// A consumer that applies each batch in one store transaction pays a fixed cost per batch (the rollups rewrite their
// HyperLogLog sketches, identity its profile rows), whatever the batch holds. Read as soon as anything arrives, a
// trickle of single-event requests makes a batch per request and that fixed cost dominates the server's CPU
// (profiled: a third of a core at 13k req/s). Waiting a little after a short batch lets the next one fill: the cost
// is then paid per linger interval, and what it buys is a delay of at most `lingerMs` before events are counted.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/** After a batch shorter than `max` (the log had no more), waits `lingerMs`, or less if `signal` aborts. */
export async function lingerAfterShortBatch(got: number, max: number, lingerMs: number, signal: AbortSignal): Promise<void> {
  if (got >= max || lingerMs <= 0 || signal.aborted) return;
  await sleep(lingerMs, undefined, { signal }).catch(() => {});
}

/** The `linger_ms` key of a lingering consumer's config; `what` says what lags (e.g. "Counts"). */
export function lingerMsSchema(batchWord: string, what: string): z.ZodDefault<z.ZodNumber> {
  return z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(500)
    .describe(`After a batch smaller than max_batch_events, wait this long before reading again, so a trickle of events is ${batchWord} in fewer, larger transactions. ${what} lag by up to this much; 0 reads again at once.`);
}
