import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HLL_PRECISION, HyperLogLog, mergeSerialized, standardError } from './hll.js';

/** A small seeded generator (xorshift32), so property cases are the same on every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

function sketchOf(ids: Iterable<string>, p = HLL_PRECISION): HyperLogLog {
  const h = new HyperLogLog(p);
  for (const id of ids) h.add(id);
  return h;
}

function randomSketch(rand: () => number): HyperLogLog {
  const n = Math.floor(rand() * 3000);
  const offset = Math.floor(rand() * 10_000);
  return sketchOf(Array.from({ length: n }, (_, i) => `u${offset + i}`));
}

function merged(...sketches: HyperLogLog[]): HyperLogLog {
  const out = new HyperLogLog();
  for (const s of sketches) out.merge(s);
  return out;
}

test('the standard error is 1.04/√m: 0.81% at precision 14', () => {
  assert.equal(standardError(), 1.04 / 128);
  assert.equal(standardError(12), 1.04 / 64);
});

test('an empty sketch estimates 0; small sets are within the bound too', () => {
  assert.equal(new HyperLogLog().estimate(), 0);
  for (const n of [1, 2, 10, 100, 1000]) {
    const e = sketchOf(Array.from({ length: n }, (_, i) => `small-${i}`)).estimate();
    assert.ok(Math.abs(e - n) <= Math.max(0.5, 3 * standardError() * n), `${n} ids estimated as ${e}`);
  }
});

test('adding the same id again changes nothing', () => {
  const a = sketchOf(['x', 'y', 'z']);
  const b = sketchOf(['x', 'y', 'z', 'x', 'x', 'z']);
  assert.deepEqual(a.registers, b.registers);
});

test('100,000 distinct ids are estimated within 3 standard errors', () => {
  const n = 100_000;
  const e = sketchOf(Array.from({ length: n }, (_, i) => `user-${i}`)).estimate();
  const relative = Math.abs(e - n) / n;
  assert.ok(relative <= 3 * standardError(), `estimated ${e.toFixed(0)} for ${n}: ${(relative * 100).toFixed(2)}% off`);
});

test('over many sets, the root-mean-square error is close to the stated standard error', () => {
  // Precision 12 keeps this quick; the bound is the same formula. 30 sets of 20,000 ids each.
  const errors: number[] = [];
  for (let s = 0; s < 30; s++) {
    const n = 20_000;
    const e = sketchOf(Array.from({ length: n }, (_, i) => `set${s}-id${i}`), 12).estimate();
    errors.push((e - n) / n);
  }
  const rms = Math.sqrt(errors.reduce((a, x) => a + x * x, 0) / errors.length);
  assert.ok(rms <= 1.5 * standardError(12), `RMS error ${(rms * 100).toFixed(2)}% vs stated ${(standardError(12) * 100).toFixed(2)}%`);
});

test('merging sketches gives exactly the sketch of the union', () => {
  const a = Array.from({ length: 5000 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 5000 }, (_, i) => `a${i + 2500}`);
  assert.deepEqual(merged(sketchOf(a), sketchOf(b)).registers, sketchOf([...a, ...b]).registers);
});

test('merge is commutative, associative and idempotent (random sketches)', () => {
  const rand = random(42);
  for (let i = 0; i < 25; i++) {
    const [a, b, c] = [randomSketch(rand), randomSketch(rand), randomSketch(rand)];
    assert.deepEqual(merged(a, b).registers, merged(b, a).registers, 'a ∪ b = b ∪ a');
    assert.deepEqual(merged(merged(a, b), c).registers, merged(a, merged(b, c)).registers, '(a ∪ b) ∪ c = a ∪ (b ∪ c)');
    assert.deepEqual(merged(a, a).registers, a.registers, 'a ∪ a = a');
    assert.deepEqual(merged(a, b, b).registers, merged(a, b).registers, 'merging twice counts once');
  }
});

test('serialized sketches round-trip, sparse while small and dense when full', () => {
  const small = sketchOf(['one', 'two', 'three']);
  const bytes = small.toBytes();
  assert.equal(bytes.length, 3 + 3 * 3, 'three sparse entries after a 3-byte header');
  assert.deepEqual(HyperLogLog.fromBytes(bytes).registers, small.registers);
  const big = sketchOf(Array.from({ length: 50_000 }, (_, i) => `b${i}`));
  assert.equal(big.toBytes().length, 3 + 2 ** HLL_PRECISION);
  assert.deepEqual(HyperLogLog.fromBytes(big.toBytes()).registers, big.registers);
  assert.deepEqual(HyperLogLog.fromBytes(new HyperLogLog().toBytes()).registers, new HyperLogLog().registers);
});

test('mergeSerialized is the merge of the decoded sketches, whatever their encodings', () => {
  const rand = random(7);
  for (let i = 0; i < 10; i++) {
    const a = randomSketch(rand);
    const b = randomSketch(rand);
    assert.deepEqual(HyperLogLog.fromBytes(mergeSerialized(a.toBytes(), b.toBytes())).registers, merged(a, b).registers);
  }
  assert.deepEqual(HyperLogLog.fromBytes(mergeSerialized(null, sketchOf(['x']).toBytes())).registers, sketchOf(['x']).registers);
});

test('corrupt bytes and mismatched precisions are refused', () => {
  assert.throws(() => HyperLogLog.fromBytes(new Uint8Array([9, 14, 0])), /unknown format/);
  assert.throws(() => HyperLogLog.fromBytes(new Uint8Array([1, 14, 1, 0])), /bad length/);
  assert.throws(() => new HyperLogLog(14).mergeBytes(new HyperLogLog(12).toBytes()), /precision/);
  assert.throws(() => new HyperLogLog(14).merge(new HyperLogLog(12)), /precision/);
  assert.throws(() => new HyperLogLog(3), /precision/);
});

test('merging four registers at a time equals a register-by-register max, for every pair of ranks', () => {
  // Every pair of ranks 0..61 in every byte lane of a word, both ways round.
  const a = new HyperLogLog(12);
  const b = new HyperLogLog(12);
  let i = 0;
  for (let x = 0; x <= 61; x++) {
    for (let y = 0; y <= 61; y++) {
      a.registers[i % a.registers.length] = x;
      b.registers[i % b.registers.length] = y;
      i++;
      if (i % a.registers.length === 0 || (x === 61 && y === 61)) {
        const expected = a.registers.map((r, k) => Math.max(r, b.registers[k]!));
        assert.deepEqual(HyperLogLog.fromBytes(a.toBytes()).mergeBytes(b.toBytes()).registers, expected);
        assert.deepEqual(new HyperLogLog(12).merge(a).merge(b).registers, expected);
        a.registers.fill(0);
        b.registers.fill(0);
      }
    }
  }
});

test('a dense sketch with a register above any possible rank is refused', () => {
  const bytes = sketchOf(Array.from({ length: 20_000 }, (_, i) => `d${i}`)).toBytes();
  assert.equal(bytes[2], 1, 'dense');
  bytes[100] = 200;
  assert.throws(() => new HyperLogLog().mergeBytes(bytes), /corrupt HyperLogLog: register out of range/);
});
