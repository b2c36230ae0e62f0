import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Destination, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { LogRecord } from '../../core/event.js';
import { noDeliveryTelemetry } from '../../core/telemetry.js';
import { TransformError } from '../../core/transform.js';
import type { Consumer } from '../../log/log.js';
import { MemoryLog } from '../../log/memory-log.js';
import { DestinationRunner, type RunnerOptions } from './destination-runner.js';
import { compileFilter } from './filter.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

function record(i: number, over: Partial<LogRecord> = {}): LogRecord {
  const body = { type: 'track', messageId: `m${i}`, userId: 'u', event: i % 2 ? 'Odd' : 'Even', properties: { i } };
  return { source: 'web', messageId: `m${i}`, type: 'track', receivedAt: Date.now(), body: JSON.stringify(body), ...over };
}

/** A destination whose answers the test scripts, recording every batch it was sent and the concurrency seen. */
class FakeDestination implements Destination {
  maxBatchEvents = 100;
  maxBatchBytes = 1_000_000;
  batches: OutgoingEvent[][] = [];
  inFlight = 0;
  maxSeenInFlight = 0;
  constructor(public answer: (batch: readonly OutgoingEvent[], call: number) => SendResult | Promise<SendResult> = () => ({ kind: 'ok' })) {}
  async send(batch: readonly OutgoingEvent[]): Promise<SendResult> {
    this.inFlight++;
    this.maxSeenInFlight = Math.max(this.maxSeenInFlight, this.inFlight);
    try {
      this.batches.push([...batch]);
      return await this.answer(batch, this.batches.length);
    } finally {
      this.inFlight--;
    }
  }
  delivered(): string[] {
    return this.batches.flat().map((e) => e.messageId);
  }
}

async function setup(t: TestContext, dest: FakeDestination, over: Partial<RunnerOptions> = {}): Promise<{ log: MemoryLog; consumer: Consumer; runner: DestinationRunner }> {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const consumer = await log.consumer('destination:fake');
  const runner = new DestinationRunner({
    name: 'fake',
    type: 'fake',
    consumer,
    destination: dest,
    filter: compileFilter({}),
    transform: null,
    payload: 'event',
    batch: { max_events: 10, max_bytes: 1_000_000, max_wait_ms: 20 },
    maxInFlight: 2,
    retry: { max_attempts: 3, max_elapsed_ms: 60_000, initial_backoff_ms: 5, max_backoff_ms: 20 },
    telemetry: noDeliveryTelemetry,
    logger: silent,
    paused: false,
    onPausedChange: async () => {},
    ...over,
  });
  t.after(async () => {
    await runner.stop();
    await log.close();
  });
  return { log, consumer, runner };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('delivers every event once, in batches no larger than max_events, with at most max_in_flight sends out', async (t) => {
  const dest = new FakeDestination(async () => {
    await new Promise((r) => setTimeout(r, 10));
    return { kind: 'ok' };
  });
  const { log, runner } = await setup(t, dest);
  runner.start();
  await log.append(Array.from({ length: 95 }, (_, i) => record(i)));
  await until('95 delivered', () => dest.delivered().length === 95);
  assert.deepEqual(new Set(dest.delivered()).size, 95);
  assert.ok(dest.batches.every((b) => b.length <= 10));
  assert.ok(dest.maxSeenInFlight <= 2, `in flight at most 2, saw ${dest.maxSeenInFlight}`);
  await until('lag 0', async () => (await runner.status()).lag === 0);
  assert.equal((await runner.status()).delivered, 95);
});

test('a lone event is sent after max_wait_ms, not held for a full batch', async (t) => {
  const dest = new FakeDestination();
  const { log, runner } = await setup(t, dest, { batch: { max_events: 1000, max_bytes: 1_000_000, max_wait_ms: 50 } });
  runner.start();
  const started = Date.now();
  await log.append([record(1)]);
  await until('delivered', () => dest.delivered().length === 1);
  assert.ok(Date.now() - started < 5_000);
});

test('retryable failures are retried with backoff until accepted; nothing is delivered twice after success', async (t) => {
  const dest = new FakeDestination((_b, call) => (call <= 2 ? { kind: 'retry', reason: 'HTTP 503' } : { kind: 'ok' }));
  const { log, runner } = await setup(t, dest);
  runner.start();
  await log.append([record(1), record(2)]);
  await until('accepted on the third call', () => dest.batches.length >= 3 && dest.batches.slice(2).flat().length === 2);
  await until('settled', async () => (await runner.status()).retrying === 0);
  const status = await runner.status();
  assert.equal(status.deadLetters, 0);
  assert.equal(status.delivered, 2);
  assert.match(status.lastError!.reason, /503/);
});

test('after max_attempts a retryable failure is dead-lettered with the reason and the exchange', async (t) => {
  const dest = new FakeDestination(() => ({ kind: 'retry', reason: 'HTTP 500: boom', exchange: { response: { status: 500, body: 'boom' } } }));
  const { log, consumer, runner } = await setup(t, dest);
  runner.start();
  await log.append([record(1)]);
  await until('dead-lettered', async () => (await consumer.deadLetterCount()) === 1);
  assert.equal(dest.batches.length, 3, 'three attempts');
  const [dl] = await consumer.deadLetters();
  assert.match(dl!.reason, /HTTP 500: boom \(gave up after 3 attempts\)/);
  assert.deepEqual(dl!.detail, { response: { status: 500, body: 'boom' } });
});

test('a permanent failure is dead-lettered at once; a partial result acks the rest and handles each failure', async (t) => {
  const dest = new FakeDestination((batch) => {
    if (batch.length === 1 && batch[0]!.messageId === 'm1') return { kind: 'fail', reason: 'HTTP 401' };
    const bad = batch.findIndex((e) => e.messageId === 'm3');
    const flaky = batch.findIndex((e) => e.messageId === 'm4');
    const failures = [];
    if (bad >= 0) failures.push({ index: bad, permanent: true, reason: 'invalid field' });
    if (flaky >= 0 && dest.batches.filter((b) => b.some((e) => e.messageId === 'm4')).length === 1) failures.push({ index: flaky, permanent: false, reason: 'throttled' });
    return { kind: 'partial', failures };
  });
  const { log, consumer, runner } = await setup(t, dest);
  await log.append([record(1)]);
  runner.start();
  await until('m1 dead', async () => (await consumer.deadLetterCount()) === 1);
  await log.append([record(2), record(3), record(4), record(5)]);
  await until('m3 dead too', async () => (await consumer.deadLetterCount()) === 2);
  await until('m4 retried and accepted', () => dest.delivered().filter((id) => id === 'm4').length === 2);
  const reasons = (await consumer.deadLetters()).map((d) => [d.event.messageId, d.reason]).sort();
  assert.deepEqual(reasons, [
    ['m1', 'HTTP 401'],
    ['m3', 'invalid field'],
  ]);
  assert.equal(dest.delivered().filter((id) => id === 'm2').length, 1, 'accepted events are not sent again');
});

test('the filter skips events; a transform that throws dead-letters its event naming the transform; null drops', async (t) => {
  const dest = new FakeDestination();
  const { log, consumer, runner } = await setup(t, dest, {
    filter: compileFilter({ events: ['Odd'] }),
    transform: (doc) => {
      const i = (doc.properties as { i: number }).i;
      if (i === 3) throw new TransformError('transforms[0] (shift)', 'cannot read', 'properties.x');
      if (i === 5) return null;
      return { ...doc, shaped: true };
    },
  });
  runner.start();
  await log.append(Array.from({ length: 8 }, (_, i) => record(i)));
  await until('lag 0', async () => (await runner.status()).lag === 0 && (await consumer.deadLetterCount()) === 1);
  assert.deepEqual(dest.delivered().sort(), ['m1', 'm7']);
  assert.ok(dest.batches.flat().every((e) => e.doc.shaped === true));
  const [dl] = await consumer.deadLetters();
  assert.equal(dl!.event.messageId, 'm3');
  assert.equal(dl!.reason, 'transform failed: transforms[0] (shift) at properties.x: cannot read');
});

test('pause holds delivery (persisted through the callback); resume delivers what arrived meanwhile', async (t) => {
  const dest = new FakeDestination();
  const changes: boolean[] = [];
  const { log, runner } = await setup(t, dest, { onPausedChange: async (p) => void changes.push(p) });
  runner.start();
  await runner.pause();
  await log.append([record(1), record(2)]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(dest.delivered().length, 0);
  assert.equal((await runner.status()).paused, true);
  await runner.resumeDelivery();
  await until('delivered after resume', () => dest.delivered().length === 2);
  assert.deepEqual(changes, [true, false]);
});

test('replaying dead letters after a fix delivers them and removes them', async (t) => {
  let fixed = false;
  const dest = new FakeDestination(() => (fixed ? { kind: 'ok' } : { kind: 'fail', reason: 'HTTP 400: bad api key' }));
  const { log, consumer, runner } = await setup(t, dest);
  runner.start();
  await log.append([record(1), record(2), record(3)]);
  await until('all dead', async () => (await consumer.deadLetterCount()) === 3);
  assert.deepEqual(await runner.replayDeadLetters(), { replayed: 0, failed: 3, remaining: 3 }, 'replay before the fix fails and keeps them');
  fixed = true;
  const one = (await consumer.deadLetters()).find((d) => d.event.messageId === 'm2')!;
  assert.deepEqual(await runner.replayDeadLetters([one.id]), { replayed: 1, failed: 0, remaining: 2 });
  assert.deepEqual(await runner.replayDeadLetters(), { replayed: 2, failed: 0, remaining: 0 });
  assert.deepEqual(dest.batches.at(-1)!.map((e) => e.messageId).sort(), ['m1', 'm3'], 'the last replay sent the two left');
  assert.equal(dest.delivered().filter((m) => m === 'm2').length, 3, 'm2: failed, failed replay, replayed');
});
