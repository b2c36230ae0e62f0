// Bounds how many sends are in flight (a destination's max_in_flight) and lets the reader wait for a free slot, so
// a slow destination slows only its own reading.
export class Slots {
  private running = 0;
  private waiters: (() => void)[] = [];
  private readonly all = new Set<Promise<void>>();

  constructor(private readonly max: number) {}

  get busy(): number {
    return this.running;
  }

  /** Resolves when a slot is free (or the signal aborts). */
  async free(signal?: AbortSignal): Promise<void> {
    while (this.running >= this.max && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Runs `task` in a slot. Call after free(); errors are the task's to handle. */
  run(task: () => Promise<void>): void {
    this.running++;
    const p = task()
      .catch(() => {})
      .finally(() => {
        this.running--;
        this.all.delete(p);
        this.waiters.shift()?.();
      });
    this.all.add(p);
  }

  /** Resolves when every running task has finished. */
  async drain(): Promise<void> {
    while (this.all.size > 0) await Promise.all([...this.all]);
  }
}
