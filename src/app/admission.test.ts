import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission, type ShedReason } from './admission.js';
import { LoadShedder } from './load-shedder.js';

function admission(opts: { writer?: () => number; shedder?: LoadShedder } = {}): { a: Admission; shed: ShedReason[] } {
  const shed: ShedReason[] = [];
  const a = new Admission({
    limits: { maxInflightRequests: 2, maxInflightBytes: 1000, maxWriterQueuedBytes: 500 },
    ...(opts.shedder ? { shedder: opts.shedder } : {}),
    ...(opts.writer ? { writerQueuedBytes: opts.writer } : {}),
    onShed: (r) => shed.push(r),
  });
  return { a, shed };
}

test('requests past the count cap are refused until one is released; release is idempotent', () => {
  const { a, shed } = admission();
  const t1 = a.admit(10);
  const t2 = a.admit(10);
  assert.equal(typeof t1, 'object');
  assert.equal(typeof t2, 'object');
  assert.equal(a.admit(10), 'inflight_requests');
  if (typeof t1 === 'string') throw new Error('unreachable');
  t1.release();
  t1.release();
  assert.deepEqual(a.inflight, { requests: 1, bytes: 10 });
  assert.equal(typeof a.admit(10), 'object');
  assert.deepEqual(shed, ['inflight_requests']);
});

test('bytes count declared lengths and bytes read beyond them; a lone request is always taken on', () => {
  const { a } = admission();
  const big = a.admit(5000);
  assert.equal(typeof big, 'object', 'nothing in flight: even a body larger than the cap is taken on');
  assert.equal(a.admit(1), 'inflight_bytes');
  if (typeof big === 'string') throw new Error('unreachable');
  big.release();
  const declared = a.admit(100);
  if (typeof declared === 'string') throw new Error('unreachable');
  declared.read(100);
  assert.deepEqual(a.inflight, { requests: 1, bytes: 100 }, 'bytes read within the declared length are not counted twice');
  declared.release();
  const chunked = a.admit(0);
  if (typeof chunked === 'string') throw new Error('unreachable');
  chunked.read(990);
  assert.equal(a.admit(20), 'inflight_bytes', 'bytes read without a Content-Length count too');
  chunked.release();
  assert.deepEqual(a.inflight, { requests: 0, bytes: 0 });
});

test("the writer's queue and the event loop's lag refuse too", () => {
  let queued = 0;
  const shedder = new LoadShedder(50, null);
  const { a, shed } = admission({ writer: () => queued, shedder });
  assert.equal(typeof a.admit(1), 'object');
  queued = 600;
  assert.equal(a.admit(1), 'writer_queue');
  queued = 0;
  shedder.record(80);
  shedder.record(90);
  assert.equal(a.admit(1), 'event_loop_lag');
  assert.deepEqual(shed, ['writer_queue', 'event_loop_lag']);
});
