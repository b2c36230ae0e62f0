// An in-memory RollupStore for unit tests of the consumer and the queries. Same contract as the SQLite store
// (test/conformance/rollup-store.contract.ts), minus durability.
import { mergeSerialized } from './hll.js';
import type { SketchLevel } from './sketch-cover.js';
import { type ApplyResult, BREAKDOWN_MISSING, BREAKDOWN_OTHER, type CounterFilter, type CounterIncrement, type CounterKey, type RollupBatch, type RollupStore } from './store.js';

type Row = CounterKey & { n: number };

export class MemoryRollupStore implements RollupStore {
  private seq = 0;
  private readonly counters = new Map<string, CounterIncrement>();
  private readonly kept = new Map<string, Set<string>>();
  private readonly stored = new Map<string, { level: SketchLevel; start: number; source: string; sketch: Uint8Array }>();
  /** Batches applied, for tests that count writes. */
  applied = 0;

  async position(): Promise<number> {
    return this.seq;
  }

  async apply(batch: RollupBatch): Promise<ApplyResult> {
    if (batch.lastSeq <= this.seq) return { outcome: 'already_applied', position: this.seq };
    if (batch.firstSeq <= this.seq) return { outcome: 'overlaps', position: this.seq };
    for (const c of batch.counters) this.add(c);
    for (const b of batch.breakdowns) {
      const values = this.kept.get(`${b.event}\u0000${b.property}`) ?? new Set<string>();
      this.kept.set(`${b.event}\u0000${b.property}`, values);
      let k3 = b.value ?? BREAKDOWN_MISSING;
      if (b.value !== null && !values.has(b.value)) {
        if (values.size >= b.maxValues) k3 = BREAKDOWN_OTHER;
        else values.add(b.value);
      }
      this.add({ metric: 'breakdowns', hour: b.hour, source: b.source, k1: b.event, k2: b.property, k3, n: b.n });
    }
    for (const s of batch.sketches) {
      const key = `${s.level}\u0000${s.start}\u0000${s.source}`;
      this.stored.set(key, { level: s.level, start: s.start, source: s.source, sketch: mergeSerialized(this.stored.get(key)?.sketch ?? null, s.sketch) });
    }
    this.seq = batch.lastSeq;
    this.applied++;
    return { outcome: 'applied', position: this.seq };
  }

  private add(c: CounterIncrement): void {
    const key = [c.metric, c.hour, c.source, c.k1, c.k2, c.k3].join('\u0000');
    const row = this.counters.get(key);
    if (row === undefined) this.counters.set(key, { ...c });
    else row.n += c.n;
  }

  private matching(f: CounterFilter): CounterIncrement[] {
    return [...this.counters.values()].filter(
      (c) => c.metric === f.metric && c.hour >= f.from && c.hour < f.to && (f.source === undefined || c.source === f.source) && (f.k1 === undefined || c.k1 === f.k1) && (f.k2 === undefined || c.k2 === f.k2),
    );
  }

  private byKey(rows: CounterIncrement[]): Row[] {
    const sums = new Map<string, Row>();
    for (const r of rows) {
      const key = `${r.k1}\u0000${r.k2}\u0000${r.k3}`;
      const s = sums.get(key);
      if (s === undefined) sums.set(key, { k1: r.k1, k2: r.k2, k3: r.k3, n: r.n });
      else s.n += r.n;
    }
    return [...sums.values()];
  }

  async sumByHour(f: CounterFilter): Promise<{ hour: number; n: number }[]> {
    const sums = new Map<number, number>();
    for (const r of this.matching(f)) sums.set(r.hour, (sums.get(r.hour) ?? 0) + r.n);
    return [...sums].sort((a, b) => a[0] - b[0]).map(([hour, n]) => ({ hour, n }));
  }

  async top(f: CounterFilter, limit: number): Promise<Row[]> {
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return this.byKey(this.matching(f))
      .sort((a, b) => b.n - a.n || cmp(a.k1, b.k1) || cmp(a.k2, b.k2) || cmp(a.k3, b.k3))
      .slice(0, limit);
  }

  async sumsOf(f: CounterFilter, keys: readonly CounterKey[]): Promise<Row[]> {
    const wanted = new Set(keys.map((k) => `${k.k1}\u0000${k.k2}\u0000${k.k3}`));
    return this.byKey(this.matching(f)).filter((r) => wanted.has(`${r.k1}\u0000${r.k2}\u0000${r.k3}`));
  }

  async sketches(level: SketchLevel, from: number, to: number, source?: string): Promise<{ start: number; sketch: Uint8Array }[]> {
    return [...this.stored.values()]
      .filter((s) => s.level === level && s.start >= from && s.start < to && (source === undefined || s.source === source))
      .map(({ start, sketch }) => ({ start, sketch }));
  }
}
