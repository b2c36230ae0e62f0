// Bounded fan-out: a destination that must make one call per event (a webhook without batching) runs them
// concurrently, but never more than `limit` at once, so one large batch cannot open hundreds of sockets.

/** Calls `fn` for every item with at most `limit` calls in flight. Results come back in input order. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  return results;
}
