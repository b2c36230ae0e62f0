// Tells when the server is past its capacity, so excess tracking requests get a cheap 429 with Retry-After (SDKs
// retry those) instead of queueing until clients time out. The signal is event-loop lag: when the loop is late by
// more than the threshold tick after tick, requests wait in line longer than any SDK should wait for an answer.
export class LoadShedder {
  /** Lag of the last two ticks: one late tick is a pause (GC, start-up work), two in a row are a queue. */
  private lagMs = 0;
  private previousLagMs = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxLagMs: number,
    everyMs: number | null = 10,
  ) {
    if (everyMs === null) return;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.record(Math.max(0, now - last - everyMs));
      last = now;
    }, everyMs);
    this.timer.unref();
  }

  /** One tick's lag (the timer calls this; tests feed it directly). */
  record(lagMs: number): void {
    this.previousLagMs = this.lagMs;
    this.lagMs = lagMs;
  }

  overloaded(): boolean {
    return this.lagMs > this.maxLagMs && this.previousLagMs > this.maxLagMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
