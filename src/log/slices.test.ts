import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lingerAfterShortBatch } from './linger.js';
import { MemoryLog } from './memory-log.js';
import { EVENTS_PER_SLICE, forEachInSlices, MAX_BATCH_BODY_CHARS, readInSlices } from './slices.js';

async function logWith(n: number): Promise<MemoryLog> {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  await log.append(Array.from({ length: n }, (_, i) => ({ source: 'web', messageId: `m${i}`, type: 'track', receivedAt: Date.now(), body: '{}' })));
  return log;
}

test('readInSlices returns up to max deliveries in log order, over several reads, and nothing twice', async () => {
  const log = await logWith(2 * EVENTS_PER_SLICE + 50);
  const c = await log.consumer('reader');
  const first = await readInSlices(c, 2 * EVENTS_PER_SLICE + 10, {});
  assert.deepEqual(first.map((d) => d.event.seq), Array.from({ length: 2 * EVENTS_PER_SLICE + 10 }, (_, i) => i + 1));
  const rest = await readInSlices(c, 1_000, {});
  assert.deepEqual(rest.map((d) => d.event.seq), Array.from({ length: 40 }, (_, i) => 2 * EVENTS_PER_SLICE + 11 + i), 'a short log ends the reads');
});

test('readInSlices ends a batch once its bodies reach MAX_BATCH_BODY_CHARS; the next read goes on from there', async () => {
  const size = Math.ceil(MAX_BATCH_BODY_CHARS / (1.5 * EVENTS_PER_SLICE)); // two slices pass the cap, one does not
  const body = JSON.stringify({ pad: 'x'.repeat(size) });
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  await log.append(Array.from({ length: 3 * EVENTS_PER_SLICE }, (_, i) => ({ source: 'web', messageId: `m${i}`, type: 'track', receivedAt: Date.now(), body })));
  const c = await log.consumer('reader');
  const first = await readInSlices(c, 10_000, {});
  assert.equal(first.length, 2 * EVENTS_PER_SLICE, 'the second slice took the bodies past the cap');
  const rest = await readInSlices(c, 10_000, {});
  assert.deepEqual([rest.length, rest[0]?.event.seq], [EVENTS_PER_SLICE, 2 * EVENTS_PER_SLICE + 1]);
});

test('forEachInSlices visits every item in order and lets the event loop run between slices', async () => {
  const seen: number[] = [];
  let ranBetween = false;
  setImmediate(() => (ranBetween = seen.length > 0 && seen.length < 3 * EVENTS_PER_SLICE));
  await forEachInSlices(Array.from({ length: 3 * EVENTS_PER_SLICE }, (_, i) => i), (i) => seen.push(i));
  assert.deepEqual(seen, Array.from({ length: 3 * EVENTS_PER_SLICE }, (_, i) => i));
  assert.ok(ranBetween, 'a callback queued before the loop ran while it was under way');
});

test('lingerAfterShortBatch waits after a short batch only, and not past an abort', async () => {
  const signal = new AbortController().signal;
  let t = performance.now();
  await lingerAfterShortBatch(100, 100, 300, signal);
  assert.ok(performance.now() - t < 100, 'a full batch: the log may hold more, read again at once');
  t = performance.now();
  await lingerAfterShortBatch(10, 100, 300, signal);
  assert.ok(performance.now() - t >= 290, 'a short batch: wait for the next one to fill');
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 50);
  t = performance.now();
  await lingerAfterShortBatch(10, 100, 5_000, stop.signal);
  assert.ok(performance.now() - t < 1_000, 'stopping the consumer ends the wait');
});
