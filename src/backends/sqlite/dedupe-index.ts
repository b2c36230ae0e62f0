// Remembers which (source, messageId) pairs the log holds from the last dedupe window, in memory, so that an append
// costs one sequential insert into `events` and no index write. A B-tree of random messageIds dirtied one page per
// event and made every commit write megabytes to the WAL; this index costs ~24 bytes per event in the window.
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

/** Open addressing with linear probing; grows at half full, so probes stay short. */
class FingerprintTable {
  private fps: Uint32Array;
  private seqs: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.fps = new Uint32Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  add(fp: number, seq: number): void {
    if ((this.size + 1) * 2 > this.fps.length) this.grow();
    let i = fp & this.mask;
    while (this.fps[i] !== EMPTY) i = (i + 1) & this.mask;
    this.fps[i] = fp;
    this.seqs[i] = seq;
    this.size++;
  }

  /** Calls `visit` with the position of every entry with this fingerprint until it returns true. */
  some(fp: number, visit: (seq: number) => boolean): boolean {
    let i = fp & this.mask;
    for (;;) {
      const f = this.fps[i]!;
      if (f === EMPTY) return false;
      if (f === fp && visit(this.seqs[i]!)) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { fps, seqs } = this;
    this.fps = new Uint32Array(fps.length * 2);
    this.seqs = new Float64Array(fps.length * 2);
    this.mask = this.fps.length - 1;
    this.size = 0;
    for (let i = 0; i < fps.length; i++) if (fps[i] !== EMPTY) this.add(fps[i]!, seqs[i]!);
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

  has(source: string, messageId: string): boolean {
    const fp = fingerprint(source, messageId);
    const same = (seq: number): boolean => {
      const p = this.read(seq);
      return p !== undefined && p.source === source && p.messageId === messageId;
    };
    return this.current.some(fp, same) || this.previous.some(fp, same);
  }

  add(source: string, messageId: string, seq: number): void {
    this.current.add(fingerprint(source, messageId), seq);
  }

  rotateIfDue(now: number): void {
    if (now - this.currentStarted < this.windowMs) return;
    // Two windows without a rotation (an idle log): the current keys are a window old too.
    this.previous = now - this.currentStarted >= 2 * this.windowMs ? new FingerprintTable() : this.current;
    this.current = new FingerprintTable();
    this.currentStarted = now;
  }

  /** Forgets everything: used before a rebuild (after a failed commit, whose additions never reached the disk). */
  clear(now: number): void {
    this.current = new FingerprintTable();
    this.previous = new FingerprintTable();
    this.currentStarted = now;
  }
}
