// HyperLogLog: a fixed-size sketch of a set that estimates how many distinct items it holds. Two sketches merge by
// taking the larger register of each pair, so merging is commutative, associative and idempotent: an hour's sketch
// merged twice, or hours merged in any order, give the same day. That is what makes uniques over any range, and
// counting under redelivery, safe.
import { hash } from 'node:crypto';

/** 2^14 registers: 16 KiB dense, standard error 1.04/√16384 ≈ 0.81%. */
export const HLL_PRECISION = 14;

export function standardError(precision = HLL_PRECISION): number {
  return 1.04 / Math.sqrt(2 ** precision);
}

const FORMAT_VERSION = 1;
const SPARSE = 0;
const DENSE = 1;
const HEADER_BYTES = 3;
/** α∞ = 1 / (2 ln 2), the bias constant of the estimator as m grows. */
const ALPHA_INF = 0.5 / Math.LN2;

/** 64 bits of SHA-1 (not for security: only well spread bits are needed), as two unsigned 32-bit halves. */
export function hash64(id: string): [number, number] {
  const digest = hash('sha1', id, 'buffer');
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}

/** Bit 7 of every byte of a word: free in every register, since a rank is at most 64 − 4 + 1 = 61. */
const HIGH_BITS = 0x80808080;
/** Where a dense sketch's registers are copied to be read four at a time (a blob's registers start at byte 3). */
let scratch = new Uint32Array(0);

/**
 * Registers b merged into a, four at a time: for each byte, (a | 0x80) − b keeps bit 7 exactly when a ≥ b (no byte
 * borrows from the next: a + 128 − b ≥ 1), and that bit, spread to the whole byte, picks a or b. Same result as a
 * register-by-register max, 4× fewer steps, no branches. Returns the OR of b's words, for the caller's range check.
 */
function maxWords(a: Uint32Array, b: Uint32Array): number {
  let seen = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    seen |= y;
    const keepA = Math.imul((((x | HIGH_BITS) - y) & HIGH_BITS) >>> 7, 0xff);
    a[i] = (x & keepA) | (y & ~keepA);
  }
  return seen;
}

export class HyperLogLog {
  readonly registers: Uint8Array;
  /** The same registers as 32-bit words (the buffer is allocated here, so it is aligned), for merges. */
  private readonly words: Uint32Array;

  constructor(readonly precision = HLL_PRECISION) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) throw new RangeError(`HyperLogLog precision ${precision} is outside 4..16`);
    this.words = new Uint32Array(2 ** precision / 4);
    this.registers = new Uint8Array(this.words.buffer);
  }

  add(id: string): this {
    const [hi, lo] = hash64(id);
    return this.addHash(hi, lo);
  }

  /**
   * The top `precision` bits pick a register; the register keeps the largest rank seen, the rank being the position
   * of the first 1 bit among the remaining 64 − precision bits (64 − precision + 1 when they are all 0).
   */
  addHash(hi: number, lo: number): this {
    const p = this.precision;
    const index = hi >>> (32 - p);
    const rest = hi & ((1 << (32 - p)) - 1);
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) - p + 1;
    else if (lo !== 0) rank = 32 - p + Math.clz32(lo) + 1;
    else rank = 64 - p + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
    return this;
  }

  merge(other: HyperLogLog): this {
    if (other.precision !== this.precision) throw new RangeError(`cannot merge HyperLogLog precision ${other.precision} into ${this.precision}`);
    maxWords(this.words, other.words);
    return this;
  }

  /** Merges a serialized sketch without building an object for it (merging many hours is the hot path of a query). */
  mergeBytes(bytes: Uint8Array): this {
    const kind = readHeader(bytes, this.precision);
    const a = this.registers;
    if (kind === DENSE) {
      if (scratch.length < this.words.length) scratch = new Uint32Array(this.words.length);
      const b = scratch.subarray(0, this.words.length);
      new Uint8Array(b.buffer, 0, a.length).set(bytes.subarray(HEADER_BYTES, HEADER_BYTES + a.length));
      // A rank above 127 would break the word trick; no valid sketch has one (ranks are at most 61).
      if ((maxWords(this.words, b) & HIGH_BITS) !== 0) throw new RangeError('corrupt HyperLogLog: register out of range');
      return this;
    }
    for (let o = HEADER_BYTES; o < bytes.length; o += 3) {
      const index = bytes[o]! | (bytes[o + 1]! << 8);
      const v = bytes[o + 2]!;
      if (index >= a.length) throw new RangeError('corrupt HyperLogLog: register index out of range');
      if (v > a[index]!) a[index] = v;
    }
    return this;
  }

  isEmpty(): boolean {
    return this.registers.every((r) => r === 0);
  }

  /** Ertl's improved estimator (2017): no empirical bias tables, accurate from 0 to far beyond 2^32. */
  estimate(): number {
    const m = this.registers.length;
    const q = 64 - this.precision;
    const c = new Float64Array(q + 2);
    const registers = this.registers;
    for (let i = 0; i < registers.length; i++) c[registers[i]!]!++;
    let z = m * tau(1 - c[q + 1]! / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + c[k]!);
    z += m * sigma(c[0]! / m);
    return (ALPHA_INF * m * m) / z;
  }

  /** Sparse (index, rank) triples while they are smaller than the dense form, so quiet hours stay small on disk. */
  toBytes(): Uint8Array {
    const a = this.registers;
    let nonZero = 0;
    for (const r of a) if (r !== 0) nonZero++;
    if (nonZero * 3 >= a.length) {
      const out = new Uint8Array(HEADER_BYTES + a.length);
      out.set([FORMAT_VERSION, this.precision, DENSE]);
      out.set(a, HEADER_BYTES);
      return out;
    }
    const out = new Uint8Array(HEADER_BYTES + nonZero * 3);
    out.set([FORMAT_VERSION, this.precision, SPARSE]);
    let o = HEADER_BYTES;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0) continue;
      out[o] = i & 0xff;
      out[o + 1] = i >>> 8;
      out[o + 2] = a[i]!;
      o += 3;
    }
    return out;
  }

  static fromBytes(bytes: Uint8Array): HyperLogLog {
    if (bytes.length < HEADER_BYTES) throw new RangeError('corrupt HyperLogLog: too short');
    return new HyperLogLog(bytes[1]!).mergeBytes(bytes);
  }
}

/** Merges serialized sketches into one serialized sketch (what the store does with a batch's sketch and its row). */
export function mergeSerialized(a: Uint8Array | null, b: Uint8Array): Uint8Array {
  if (a === null) return HyperLogLog.fromBytes(b).toBytes();
  return HyperLogLog.fromBytes(a).mergeBytes(b).toBytes();
}

function readHeader(bytes: Uint8Array, precision: number): number {
  if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT_VERSION) throw new RangeError('corrupt HyperLogLog: unknown format');
  if (bytes[1] !== precision) throw new RangeError(`cannot merge HyperLogLog precision ${bytes[1]} into ${precision}`);
  const kind = bytes[2];
  if (kind === DENSE && bytes.length === HEADER_BYTES + 2 ** precision) return DENSE;
  if (kind === SPARSE && (bytes.length - HEADER_BYTES) % 3 === 0) return SPARSE;
  throw new RangeError('corrupt HyperLogLog: bad length');
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1): the share of empty registers, corrected (Ertl, algorithm 6). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k) / 3: the share of saturated registers, corrected. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}
