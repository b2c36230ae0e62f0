// Remembers which (source, messageId) pairs the log holds from the last dedupe window, in memory, so that an append
// costs one sequential insert into `events` and no index write. A B-tree of random messageIds dirtied one page per
// event and made every commit write megabytes to the WAL. This index costs 8 bytes per slot (a 32-bit fingerprint and
// the event's position as a 32-bit offset from the table's first), 11–21 bytes per event in the window: ~1.3 GB for
// 86 million events (1,000 events/s for a day), which is why the load factor goes to 3/4. Right after a growth, for
// as long as its entries are being moved (MOVE_PER_ADD), the outgrown arrays are kept as well: up to 32 bytes per
// event.
//
// It is exact: the table keeps a 32-bit fingerprint and the event's position; a fingerprint match is confirmed by
// reading that event back (a primary-key lookup), so a fingerprint collision never drops an event. The index is
// rebuilt from `events` at start (the log keeps at least the window: retention never prunes younger events).
//
// Two generations, each at most one window long: lookups check both, and a rotation forgets the older one. A pair
// is therefore remembered for at least one window and at most two.

const EMPTY = 0;
const MIN_CAPACITY = 1 << 12;

/** A 32-bit hash of the pair (FNV-1a over UTF-16 units, then a final avalanche), never 0 (0 marks an empty slot). */
export function fingerprint(source: string, messageId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) h = Math.imul(h ^ source.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  for (let i = 0; i < messageId.length; i++) h = Math.imul(h ^ messageId.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}

/** Offsets from a table's first position are 32-bit: a table that would need more is retired (see DedupeIndex.add). */
const MAX_OFFSET = 0xffff_ffff;

/**
 * Slots of the outgrown table moved into the new one per add. Growing moved every entry at once, inside one commit:
 * 39 ms at 1.6 million events, 171 ms at 6.3 million (pinned microbenchmark), doubling with every growth — seconds,
 * for a day's window at 1,000 events/s, during which no request was answered. Moved a few slots per add, the work is
 * spread over the adds that follow. A growth leaves the new table 3/8 full and the next one comes at 3/4, after as
 * many adds as the old table had slots; at 8 slots per add the move is done after an eighth of that.
 */
const MOVE_PER_ADD = 8;

/**
 * Gives the arrays' memory back now rather than at the writer's next full collection. An outgrown table's arrays
 * (16 MB at 2 million slots, doubling with each growth) are old-generation objects, and the writer thread runs a full
 * collection only every few minutes: they stayed resident that long after the move (ad-hoc: 16 MB of a batch run's
 * RSS, BENCHMARKS.md 2026-12-05). Transferring a buffer detaches it and hands its memory to a new, unreferenced
 * ArrayBuffer in the young generation, which the next scavenge (milliseconds away) frees.
 */
function release(...arrays: Uint32Array[]): void {
  structuredClone(undefined, { transfer: arrays.map((a) => a.buffer as ArrayBuffer) });
}

/** Linear probing over one pair of arrays: calls `visit` with each position stored under `fp` until it returns true. */
function probe(fps: Uint32Array, offsets: Uint32Array, base: number, fp: number, visit: (seq: number) => boolean): boolean {
  const mask = fps.length - 1;
  let i = fp & mask;
  for (;;) {
    const f = fps[i]!;
    if (f === EMPTY) return false;
    if (f === fp && visit(base + offsets[i]!)) return true;
    i = (i + 1) & mask;
  }
}

/**
 * Open addressing with linear probing; grows at 3/4 full. Linear probing stays short at that load with a hash that
 * avalanches (fingerprint() does): ~2.5 probes for a hit, ~8.5 for a miss, all within a cache line or two.
 * While a growth is being moved (MOVE_PER_ADD), the outgrown arrays are kept whole and looked up too: an entry
 * already moved is then found twice, which costs a second confirmation only on a fingerprint match.
 */
class FingerprintTable {
  private fps: Uint32Array;
  private offsets: Uint32Array;
  private mask: number;
  /** The outgrown arrays while their entries are being moved; null otherwise. */
  private oldFps: Uint32Array | null = null;
  private oldOffsets: Uint32Array | null = null;
  /** Slots of the outgrown arrays moved so far. */
  private moved = 0;
  /** The position offsets count from: the first one added. */
  private base = -1;
  /** Entries, moved or not. */
  size = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.fps = new Uint32Array(capacity);
    this.offsets = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Frees the arrays at once (see release); the table must not be used after. */
  dispose(): void {
    release(this.fps, this.offsets, ...(this.oldFps === null ? [] : [this.oldFps, this.oldOffsets!]));
    this.oldFps = null;
    this.oldOffsets = null;
  }

  /** True while a growth is still being moved (tests look). */
  get moving(): boolean {
    return this.oldFps !== null;
  }

  /** False when `seq` is too far from this table's first position to be kept as an offset. */
  fits(seq: number): boolean {
    return this.base === -1 || (seq >= this.base && seq - this.base <= MAX_OFFSET);
  }

  add(fp: number, seq: number): void {
    if (this.base === -1) this.base = seq;
    this.moveSome();
    if ((this.size + 1) * 4 > this.fps.length * 3) this.grow();
    this.put(fp, seq - this.base);
    this.size++;
  }

  /** Calls `visit` with the position of every entry with this fingerprint until it returns true. */
  some(fp: number, visit: (seq: number) => boolean): boolean {
    if (probe(this.fps, this.offsets, this.base, fp, visit)) return true;
    return this.oldFps !== null && probe(this.oldFps, this.oldOffsets!, this.base, fp, visit);
  }

  /** Moves the next few slots of an outgrown table, if one is being moved. */
  moveSome(): void {
    if (this.oldFps !== null) this.move(MOVE_PER_ADD);
  }

  private put(fp: number, offset: number): void {
    let i = fp & this.mask;
    while (this.fps[i] !== EMPTY) i = (i + 1) & this.mask;
    this.fps[i] = fp;
    this.offsets[i] = offset;
  }

  private grow(): void {
    // Never expected (see MOVE_PER_ADD); if it happens, the earlier move is finished first, at once.
    if (this.oldFps !== null) this.move(Infinity);
    this.oldFps = this.fps;
    this.oldOffsets = this.offsets;
    this.moved = 0;
    this.fps = new Uint32Array(this.oldFps.length * 2);
    this.offsets = new Uint32Array(this.oldFps.length * 2);
    this.mask = this.fps.length - 1;
  }

  private move(slots: number): void {
    const fps = this.oldFps!;
    const offsets = this.oldOffsets!;
    const end = Math.min(fps.length, this.moved + slots);
    for (let i = this.moved; i < end; i++) if (fps[i] !== EMPTY) this.put(fps[i]!, offsets[i]!);
    this.moved = end;
    if (end === fps.length) {
      this.oldFps = null;
      this.oldOffsets = null;
      release(fps, offsets);
    }
  }
}

export interface StoredPair {
  source: string;
  messageId: string;
}

export class DedupeIndex {
  private current = new FingerprintTable();
  private previous = new FingerprintTable();
  private currentStarted: number;

  /** `read(seq)` returns the stored pair at a position (undefined if gone): used to confirm a fingerprint match. */
  constructor(
    private readonly windowMs: number,
    private readonly read: (seq: number) => StoredPair | undefined,
    now: number,
  ) {
    this.currentStarted = now;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Whether each generation is moving its entries into a grown table (tests look). */
  get moving(): { current: boolean; previous: boolean } {
    return { current: this.current.moving, previous: this.previous.moving };
  }

  has(source: string, messageId: string): boolean {
    const fp = fingerprint(source, messageId);
    const same = (seq: number): boolean => {
      const p = this.read(seq);
      return p !== undefined && p.source === source && p.messageId === messageId;
    };
    return this.current.some(fp, same) || this.previous.some(fp, same);
  }

  add(source: string, messageId: string, seq: number): void {
    // Four billion positions within one generation (50,000 events/s for a day): the generation ends early. The pairs
    // of the one before are forgotten then, before their window is over; that is the price of 4-byte positions.
    if (!this.current.fits(seq)) {
      this.previous.dispose();
      this.previous = this.current;
      this.current = new FingerprintTable();
    }
    this.current.add(fingerprint(source, messageId), seq);
    // A generation retired in the middle of a move gets no adds of its own: its move goes on with the current one's,
    // or it would hold both arrays for a whole window.
    this.previous.moveSome();
  }

  rotateIfDue(now: number): void {
    if (now - this.currentStarted < this.windowMs) return;
    // Two windows without a rotation (an idle log): the current keys are a window old too.
    this.previous.dispose();
    if (now - this.currentStarted >= 2 * this.windowMs) {
      this.current.dispose();
      this.previous = new FingerprintTable();
    } else this.previous = this.current;
    this.current = new FingerprintTable();
    this.currentStarted = now;
  }

  /** Forgets everything: used before a rebuild (after a failed commit, whose additions never reached the disk). */
  clear(now: number): void {
    this.current.dispose();
    this.previous.dispose();
    this.current = new FingerprintTable();
    this.previous = new FingerprintTable();
    this.currentStarted = now;
  }
}
