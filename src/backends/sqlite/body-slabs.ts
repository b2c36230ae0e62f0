// Bytes for the bodies of requests packed as they are queued (writer-client.ts), carved one after another from
// 256 KiB slabs, each reused once every request carved from it has been copied into its op. Allocated one by one,
// each request's bytes were a malloc of their own, freed soon after; the main thread's malloc heap kept the pages
// anyway (fragmented among the other allocations), and ~34 MB more was resident under 1,000 batch connections
// (BENCHMARKS.md 2026-12-05). Slabs are kept for reuse up to a count the caller sets from its queue cap.

export interface Slab {
  readonly buffer: ArrayBuffer;
  /** Bytes carved so far. */
  used: number;
  /** Requests carved from it and not yet released. */
  live: number;
}

export const SLAB_BYTES = 256 * 1024;

export class BodySlabs {
  private current: Slab | null = null;
  private readonly free: Slab[] = [];
  /** Slabs allocated since this was made (tests look). */
  allocated = 0;

  constructor(private readonly maxFree: number) {}

  /** `bytes` for one request's bodies and the slab they come from; a request larger than a slab gets its own buffer. */
  take(bytes: number): { bytes: Buffer; slab: Slab | null } {
    if (bytes > SLAB_BYTES) return { bytes: Buffer.allocUnsafeSlow(bytes), slab: null };
    let s = this.current;
    if (s === null || s.used + bytes > SLAB_BYTES) {
      if (s !== null && s.live === 0) s.used = 0;
      else {
        s = this.free.pop() ?? this.newSlab();
        this.current = s;
      }
    }
    const out = Buffer.from(s.buffer, s.used, bytes);
    s.used += bytes;
    s.live++;
    return { bytes: out, slab: s };
  }

  /** One request's bytes from `slab` are no longer needed (copied into an op, or the request failed). */
  release(slab: Slab): void {
    if (--slab.live > 0) return;
    slab.used = 0;
    if (slab !== this.current && this.free.length < this.maxFree) this.free.push(slab);
  }

  private newSlab(): Slab {
    this.allocated++;
    return { buffer: new ArrayBuffer(SLAB_BYTES), used: 0, live: 0 };
  }
}
