// In-process consumers (rollups, identity: with NATS or PostgreSQL, or with counting_thread off) run on the thread that
// answers HTTP requests. Folding a whole batch (up to max_batch_events, 1,000 by default) in one piece held requests
// for ~10 ms: the ingest p99 at half load. They read and fold it in slices and let the event loop run between them.
import type { Consumer, Delivery, ReadOptions } from './log.js';

/** Events handled between two yields: about 2 ms of consumer work. */
export const EVENTS_PER_SLICE = 200;

/** Lets pending I/O (HTTP requests, writer replies) run before the caller goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `each` on every item, yielding to the event loop after every EVENTS_PER_SLICE of them. */
export async function forEachInSlices<T>(items: readonly T[], each: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % EVENTS_PER_SLICE === 0) await yieldToEventLoop();
    each(items[i]!);
  }
}

/**
 * A batch also ends once its events' bodies reach this many characters: 10,000 events of 32 KB (the largest
 * max_batch_events and message) would be 320 MB to hold and parse at once. The counting thread's heap limit counts on it.
 */
export const MAX_BATCH_BODY_CHARS = 16 * 1024 * 1024;

/**
 * Reads up to `max` deliveries as consecutive reads of at most EVENTS_PER_SLICE, yielding between them: one read of
 * 1,000 rows (and their bodies) was itself a ~2 ms block. The first read waits as `opts` says; the others only take
 * what is there now. Stops early once the bodies read reach MAX_BATCH_BODY_CHARS.
 */
export async function readInSlices(consumer: Consumer, max: number, opts: ReadOptions): Promise<Delivery[]> {
  const out = await consumer.read(Math.min(max, EVENTS_PER_SLICE), opts);
  let bytes = bodyBytes(out);
  let last = out.length;
  while (last === EVENTS_PER_SLICE && out.length < max && bytes < MAX_BATCH_BODY_CHARS && opts.signal?.aborted !== true) {
    await yieldToEventLoop();
    const more = await consumer.read(Math.min(max - out.length, EVENTS_PER_SLICE));
    out.push(...more);
    bytes += bodyBytes(more);
    last = more.length;
  }
  return out;
}

function bodyBytes(deliveries: readonly Delivery[]): number {
  let n = 0;
  for (const d of deliveries) n += d.event.body.length;
  return n;
}
