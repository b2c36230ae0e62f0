// Tracks a consumer's deliveries that are out but not yet settled, and the cursor: the highest position at or
// below which every event has been settled (acked, scheduled for retry, or dead-lettered). Deliveries may settle in
// any order; the cursor only moves over a contiguous settled prefix, so a restart never skips an unsettled event.
export class CursorTracker {
  private handedOut: number[] = [];
  private head = 0;
  /** Positions out and not yet settled. Settling anything else (a stale delivery after a seek) is ignored. */
  private out = new Set<number>();
  private settled = new Set<number>();
  /** Highest position handed out so far. */
  readPos: number;

  constructor(public cursor: number) {
    this.readPos = cursor;
  }

  /** Records that `seq` (greater than every position handed out before) is now out. */
  handOut(seq: number): void {
    this.handedOut.push(seq);
    this.out.add(seq);
    this.readPos = seq;
  }

  isOutstanding(seq: number): boolean {
    return this.out.has(seq);
  }

  /** Marks `seq` settled; returns true when the cursor moved. */
  settle(seq: number): boolean {
    if (!this.out.delete(seq)) return false;
    this.settled.add(seq);
    const before = this.cursor;
    while (this.head < this.handedOut.length && this.settled.has(this.handedOut[this.head]!)) {
      const s = this.handedOut[this.head++]!;
      this.settled.delete(s);
      this.cursor = s;
    }
    if (this.head > 1024 && this.head * 2 > this.handedOut.length) {
      this.handedOut = this.handedOut.slice(this.head);
      this.head = 0;
    }
    return this.cursor !== before;
  }

  /** Starts over at `cursor`: everything out now is forgotten. */
  reset(cursor: number): void {
    this.cursor = cursor;
    this.readPos = cursor;
    this.handedOut = [];
    this.head = 0;
    this.out.clear();
    this.settled.clear();
  }

  outstanding(): number {
    return this.out.size;
  }
}
