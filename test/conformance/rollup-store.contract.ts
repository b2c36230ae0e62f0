// The RollupStore contract: what every implementation must do, as the rollups consumer and the queries see it.
// Each implementation's test file calls runRollupStoreContract with a factory; a case an implementation cannot meet
// by design (durability for the memory store) is skipped with the reason.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { HyperLogLog } from '../../src/rollups/hll.js';
import {
  BREAKDOWN_MISSING,
  BREAKDOWN_OTHER,
  type BreakdownIncrement,
  type CounterIncrement,
  type RollupBatch,
  type RollupStore,
  type SketchUpdate,
} from '../../src/rollups/store.js';

export interface OpenedStore {
  readonly store: RollupStore;
  /** Closes and opens the same storage again. Called only for durable implementations. */
  reopen(): Promise<RollupStore>;
  dispose(): Promise<void>;
}

export interface RollupStoreFactory {
  open(): Promise<OpenedStore>;
  notDurable?: string;
}

const H = 475_000; // an hour index (2024-03-09)

function batch(firstSeq: number, lastSeq: number, parts: { counters?: Partial<CounterIncrement>[]; breakdowns?: Partial<BreakdownIncrement>[]; sketches?: SketchUpdate[] } = {}): RollupBatch {
  return {
    firstSeq,
    lastSeq,
    counters: (parts.counters ?? []).map((c) => ({ metric: 'events', hour: H, source: 'web', k1: 'track', k2: 'Signed Up', k3: '', n: 1, ...c })),
    breakdowns: (parts.breakdowns ?? []).map((b) => ({ hour: H, source: 'web', event: 'Order Completed', property: 'plan', value: 'pro', maxValues: 2, n: 1, ...b })),
    sketches: parts.sketches ?? [],
  };
}

function sketch(level: SketchUpdate['level'], start: number, ids: string[], source = 'web'): SketchUpdate {
  const h = new HyperLogLog();
  for (const id of ids) h.add(id);
  return { level, start, source, sketch: h.toBytes() };
}

async function total(store: RollupStore, filter: Partial<Parameters<RollupStore['sumByHour']>[0]> = {}): Promise<number> {
  const rows = await store.sumByHour({ metric: 'events', from: H - 100, to: H + 100, ...filter });
  return rows.reduce((a, r) => a + r.n, 0);
}

export function runRollupStoreContract(name: string, factory: RollupStoreFactory): void {
  describe(`RollupStore contract: ${name}`, () => {
    async function open(t: TestContext): Promise<OpenedStore> {
      const opened = await factory.open();
      t.after(() => opened.dispose());
      return opened;
    }

    it('starts at position 0; an applied batch moves the position to its last seq', async (t) => {
      const { store } = await open(t);
      assert.equal(await store.position(), 0);
      assert.deepEqual(await store.apply(batch(1, 5, { counters: [{ n: 3 }] })), { outcome: 'applied', position: 5 });
      assert.equal(await store.position(), 5);
      assert.equal(await total(store), 3);
    });

    it('a batch at or below the position is skipped: counted once however often it comes', async (t) => {
      const { store } = await open(t);
      const b = batch(1, 5, { counters: [{ n: 3 }], sketches: [sketch('hour', H, ['a', 'b'])] });
      await store.apply(b);
      assert.deepEqual(await store.apply(b), { outcome: 'already_applied', position: 5 });
      assert.deepEqual(await store.apply(batch(2, 4, { counters: [{ n: 100 }] })), { outcome: 'already_applied', position: 5 });
      assert.equal(await total(store), 3);
    });

    it('a batch that starts at or below the position but ends past it changes nothing and says so', async (t) => {
      const { store } = await open(t);
      await store.apply(batch(1, 5, { counters: [{ n: 3 }] }));
      assert.deepEqual(await store.apply(batch(5, 9, { counters: [{ n: 100 }] })), { outcome: 'overlaps', position: 5 });
      assert.equal(await store.position(), 5);
      assert.equal(await total(store), 3);
      assert.deepEqual(await store.apply(batch(6, 9, { counters: [{ n: 1 }] })), { outcome: 'applied', position: 9 });
    });

    it('sums per hour, over [from, to), filtered by source and keys', async (t) => {
      const { store } = await open(t);
      await store.apply(
        batch(1, 1, {
          counters: [
            { n: 2 },
            { hour: H + 1, n: 5 },
            { hour: H + 2, n: 7 },
            { source: 'ios', n: 11 },
            { k2: 'Logged In', n: 13 },
            { k1: 'page', k2: 'Home', n: 17 },
            { metric: 'pages', k1: '/home', k2: '', n: 19 },
          ],
        }),
      );
      await store.apply(batch(2, 2, { counters: [{ n: 1 }] }));
      assert.deepEqual(await store.sumByHour({ metric: 'events', from: H, to: H + 2 }), [
        { hour: H, n: 3 + 11 + 13 + 17 },
        { hour: H + 1, n: 5 },
      ]);
      assert.deepEqual(await store.sumByHour({ metric: 'events', from: H, to: H + 3, source: 'web', k1: 'track', k2: 'Signed Up' }), [
        { hour: H, n: 3 },
        { hour: H + 1, n: 5 },
        { hour: H + 2, n: 7 },
      ]);
      assert.deepEqual(await store.sumByHour({ metric: 'events', from: H, to: H + 1, source: 'ios' }), [{ hour: H, n: 11 }]);
      assert.deepEqual(await store.sumByHour({ metric: 'events', from: H + 3, to: H + 9 }), []);
    });

    it('top: largest sums first, ties by key, limited; sumsOf: only the keys asked for', async (t) => {
      const { store } = await open(t);
      await store.apply(
        batch(1, 1, {
          counters: [
            { metric: 'pages', k1: '/b', k2: '', n: 5 },
            { metric: 'pages', k1: '/a', k2: '', n: 5 },
            { metric: 'pages', k1: '/c', k2: '', n: 2, hour: H + 1 },
            { metric: 'pages', k1: '/c', k2: '', n: 9, source: 'ios' },
            { metric: 'pages', k1: '/d', k2: '', n: 1 },
            { metric: 'pages', k1: '/old', k2: '', n: 50, hour: H - 10 },
          ],
        }),
      );
      const range = { metric: 'pages' as const, from: H, to: H + 2 };
      assert.deepEqual(
        (await store.top(range, 3)).map((r) => [r.k1, r.n]),
        [
          ['/c', 11],
          ['/a', 5],
          ['/b', 5],
        ],
      );
      assert.deepEqual(
        (await store.top({ ...range, source: 'web' }, 10)).map((r) => [r.k1, r.n]),
        [
          ['/a', 5],
          ['/b', 5],
          ['/c', 2],
          ['/d', 1],
        ],
      );
      const some = await store.sumsOf(range, [
        { k1: '/d', k2: '', k3: '' },
        { k1: '/zzz', k2: '', k3: '' },
      ]);
      assert.deepEqual(some.map((r) => [r.k1, r.n]), [['/d', 1]]);
      assert.deepEqual(await store.sumsOf(range, []), []);
    });

    it('top and sumsOf over any run of hours equal the sums of its hours: whole days, part days, single hours', async (t) => {
      const { store } = await open(t);
      // Four UTC days of counters from a seeded generator, in several batches (later ones landing in earlier hours,
      // as late events do), with revenue amounts of 0 and below 0 (refunds): keys whose sum is 0 are still listed.
      const day0 = Math.floor(H / 24) * 24;
      let x = 12345;
      const rand = (n: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return (x >>> 8) % n;
      };
      const rows: CounterIncrement[] = [];
      for (let b = 0; b < 6; b++) {
        const counters: Partial<CounterIncrement>[] = [];
        for (let i = 0; i < 120; i++) {
          const hour = day0 + rand(4 * 24);
          const source = rand(3) === 0 ? 'ios' : 'web';
          if (rand(4) === 0) counters.push({ metric: 'revenue', hour, source, k1: `E${rand(3)}`, k2: '', n: rand(5) - 2 });
          else counters.push({ metric: 'pages', hour, source, k1: `/p${rand(12)}`, k2: '', n: 1 + rand(3) });
        }
        await store.apply(batch(b + 1, b + 1, { counters }));
        rows.push(...(batch(b + 1, b + 1, { counters }).counters));
      }
      const expected = (metric: string, from: number, to: number, source?: string): [string, number][] => {
        const sums = new Map<string, number>();
        for (const r of rows) if (r.metric === metric && r.hour >= from && r.hour < to && (source === undefined || r.source === source)) sums.set(r.k1, (sums.get(r.k1) ?? 0) + r.n);
        return [...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      };
      const ranges: [number, number][] = [
        [day0, day0 + 96], // whole days
        [day0 + 5, day0 + 77], // New York-like edges: 05:00 to 05:00
        [day0 + 20, day0 + 50], // mostly-empty head, part tail
        [day0 + 3, day0 + 21], // inside one day, most of it
        [day0 + 30, day0 + 33], // inside one day, a few hours
        [day0 + 47, day0 + 48], // one hour
        [day0 + 18, day0 + 30], // across one midnight, no whole day
        [day0 - 30, day0 + 130], // beyond the data at both ends
      ];
      for (const [from, to] of ranges) {
        for (const metric of ['pages', 'revenue'] as const) {
          for (const source of [undefined, 'ios']) {
            const want = expected(metric, from, to, source);
            const filter = { metric, from, to, ...(source === undefined ? {} : { source }) };
            const got = (await store.top(filter, 1000)).map((r) => [r.k1, r.n]);
            assert.deepEqual(got, want, `top ${metric} over [${from - day0}, ${to - day0}) source ${source ?? 'any'}`);
            const asked = [...want.slice(0, 3).map(([k1]) => ({ k1, k2: '', k3: '' })), { k1: '/none', k2: '', k3: '' }];
            const some = (await store.sumsOf(filter, asked)).map((r): [string, number] => [r.k1, r.n]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
            assert.deepEqual(some, want.slice(0, 3).sort((a, b) => (a[0] < b[0] ? -1 : 1)), `sumsOf ${metric} over [${from - day0}, ${to - day0})`);
          }
        }
      }
    });

    it('breakdowns keep the first max_values values; later new ones count as other; absent values apart', async (t) => {
      const { store } = await open(t);
      await store.apply(batch(1, 1, { breakdowns: [{ value: 'pro' }, { value: 'free', n: 2 }, { value: 'team', n: 3 }, { value: null, n: 4 }] }));
      await store.apply(batch(2, 2, { breakdowns: [{ value: 'pro', n: 10 }, { value: 'enterprise', source: 'ios' }] }));
      const rows = await store.top({ metric: 'breakdowns', from: H, to: H + 1, k1: 'Order Completed', k2: 'plan' }, 10);
      assert.deepEqual(
        rows.map((r) => [r.k3, r.n]),
        [
          ['pro', 11],
          [BREAKDOWN_MISSING, 4],
          [BREAKDOWN_OTHER, 4],
          ['free', 2],
        ],
      );
    });

    it('sketches merge into what is stored: the union of the users, per level, start and source', async (t) => {
      const { store } = await open(t);
      await store.apply(batch(1, 1, { sketches: [sketch('hour', H, ['a', 'b']), sketch('day', 1000, ['a', 'b']), sketch('6h', 4000, ['a']), sketch('hour', H, ['z'], 'ios')] }));
      await store.apply(batch(2, 2, { sketches: [sketch('hour', H, ['b', 'c']), sketch('hour', H + 1, ['d'])] }));
      const web = await store.sketches('hour', H, H + 1, 'web');
      assert.equal(web.length, 1);
      assert.deepEqual(HyperLogLog.fromBytes(web[0]!.sketch).registers, HyperLogLog.fromBytes(sketch('hour', H, ['a', 'b', 'c']).sketch).registers);
      assert.equal((await store.sketches('hour', H, H + 1)).length, 2, 'one per source without a source filter');
      assert.deepEqual((await store.sketches('hour', H, H + 2, 'web')).map((s) => s.start).sort(), [H, H + 1]);
      assert.equal((await store.sketches('day', 1000, 1001)).length, 1);
      assert.equal((await store.sketches('6h', 4000, 4001)).length, 1);
      assert.deepEqual(await store.sketches('month', 0, 10_000), []);
    });

    it('position, counters and sketches survive a reopen', { skip: factory.notDurable }, async (t) => {
      const opened = await open(t);
      await opened.store.apply(batch(1, 7, { counters: [{ n: 3 }], sketches: [sketch('hour', H, ['a'])] }));
      const store = await opened.reopen();
      assert.equal(await store.position(), 7);
      assert.equal(await total(store), 3);
      assert.equal((await store.sketches('hour', H, H + 1)).length, 1);
      assert.deepEqual(await store.apply(batch(1, 7, { counters: [{ n: 3 }] })), { outcome: 'already_applied', position: 7 });
    });
  });
}
