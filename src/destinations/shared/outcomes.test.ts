import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SendResult } from '../../core/destination.js';
import { chunkBySize } from './chunk.js';
import type { HttpReply } from './http.js';
import { Outcomes } from './outcomes.js';
import { at, copyInto, num, str, timeMs } from './read.js';
import { MAX_SPLIT_DEPTH, postSplitting } from './split.js';

const reply = (status: number): HttpReply => ({ status, body: '', retryAfterMs: undefined, exchange: { response: { status } } });

describe('Outcomes', () => {
  it('all accepted → ok; nothing accepted and all retryable → retry with the longest Retry-After', () => {
    const ok = new Outcomes(2);
    ok.accept([0, 1]);
    assert.equal(ok.result().kind, 'ok');
    const retry = new Outcomes(2);
    retry.fail([0], false, 'throttled', 30_000);
    retry.fail([1], false, 'timed out');
    assert.deepEqual(retry.result(), { kind: 'retry', reason: 'throttled', retryAfterMs: 30_000 });
  });

  it('all failed for one reason → fail; mixed → partial listing only the failures', () => {
    const fail = new Outcomes(2);
    fail.fail([0, 1], true, 'bad key');
    assert.deepEqual(fail.result(), { kind: 'fail', reason: 'bad key' });
    const partial = new Outcomes(3);
    partial.accept([0]);
    partial.fail([1], true, 'invalid');
    partial.fail([2], false, 'throttled', 30_000);
    assert.deepEqual(partial.result(), {
      kind: 'partial',
      failures: [
        { index: 1, permanent: true, reason: 'invalid' },
        { index: 2, permanent: false, reason: 'throttled', retryAfterMs: 30_000 },
      ],
    });
  });

  it('an event no request covered is reported for retry, never as accepted', () => {
    const out = new Outcomes(2);
    out.accept([0]);
    assert.deepEqual(out.result(), { kind: 'partial', failures: [{ index: 1, permanent: false, reason: 'not sent' }] });
  });

  it('settle maps a slice result back to batch indices, and keeps the failing exchange', () => {
    const out = new Outcomes(4);
    const partial: SendResult = { kind: 'partial', failures: [{ index: 1, permanent: true, reason: 'x' }], exchange: { response: { status: 400 } } };
    out.settle([2, 3], partial);
    out.settle([0, 1], { kind: 'ok', exchange: { response: { status: 200 } } });
    const r = out.result();
    assert.deepEqual(r.kind === 'partial' && r.failures, [{ index: 3, permanent: true, reason: 'x' }]);
    assert.equal(r.exchange?.response?.status, 400);
  });
});

describe('chunkBySize', () => {
  it('keeps order, respects item and byte limits (with separators), and sets oversize items apart', () => {
    const sizes = [4, 4, 4, 20, 1, 1, 1];
    const { chunks, oversize } = chunkBySize([0, 1, 2, 3, 4, 5, 6], (i) => sizes[i] ?? 0, { maxItems: 2, maxBytes: 9 });
    assert.deepEqual(chunks, [[0, 1], [2, 4], [5, 6]]);
    assert.deepEqual(oversize, [3]);
    assert.deepEqual(chunkBySize([0, 1, 2], () => 4, { maxItems: 10, maxBytes: 8 }).chunks, [[0], [1], [2]], '4 + 1 + 4 > 8');
  });
});

describe('postSplitting', () => {
  it('halves on 413 down to single events; a single event still too large fails for good', async () => {
    const out = new Outcomes(5);
    const sizes: number[] = [];
    await postSplitting(
      {
        what: 'API',
        post: (indices) => {
          sizes.push(indices.length);
          return Promise.resolve(reply(indices.length > 2 || indices.includes(4) ? 413 : 200));
        },
        onReply: (indices) => out.accept(indices),
      },
      [0, 1, 2, 3, 4],
      out,
    );
    assert.deepEqual(sizes, [5, 3, 2, 1, 2, 1, 1]);
    const r = out.result();
    assert.deepEqual(r.kind === 'partial' && r.failures, [{ index: 4, permanent: true, reason: 'API answered 413 Payload Too Large for this event alone' }]);
    assert.equal(r.exchange?.response?.status, 413);
  });

  it('stops halving after MAX_SPLIT_DEPTH and asks for a retry', async () => {
    const out = new Outcomes(1000);
    let requests = 0;
    const all = Array.from({ length: 1000 }, (_, i) => i);
    await postSplitting({ what: 'API', post: () => (requests++, Promise.resolve(reply(413))), onReply: () => undefined }, all, out);
    assert.ok(requests < 2 ** (MAX_SPLIT_DEPTH + 1));
    assert.equal(out.result().kind, 'retry');
  });
});

describe('read', () => {
  it('reads typed values at dotted paths and treats the wrong type as absent', () => {
    const doc = { a: { b: { c: 'x', n: 3, e: '' } }, t: '2024-06-01T12:00:00Z', bad: 'soon' };
    assert.equal(at(doc, 'a.b.c'), 'x');
    assert.equal(str(doc, 'a.b.n'), undefined);
    assert.equal(str(doc, 'a.b.e'), undefined, 'an empty string is absent');
    assert.equal(num(doc, 'a.b.n'), 3);
    assert.equal(at(doc, 'a.b.c.d'), undefined);
    assert.equal(timeMs(doc, 't'), Date.parse('2024-06-01T12:00:00Z'));
    assert.equal(timeMs(doc, 'bad'), undefined);
    assert.equal(at(doc, 'a.b.c'), 'x', 'a path read again (split once, then reused) reads the same');
    assert.equal(at('text', 'a'), undefined, 'a key of something that is not an object is absent');
  });

  it('copyInto merges like a spread: later keys win in place, and a parsed "__proto__" stays a plain key', () => {
    const from = JSON.parse('{"b":2,"__proto__":{"polluted":true},"c":3}') as Record<string, unknown>;
    const out: Record<string, unknown> = { a: 1, b: 0 };
    copyInto(out, from);
    assert.deepEqual(Object.keys(out), Object.keys({ a: 1, b: 0, ...from }));
    assert.equal(out.b, 2);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: true });
  });
});
