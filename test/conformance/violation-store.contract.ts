// The ViolationStore contract (src/core/plan.ts): upserts add up across writes and restarts, the reader filters and
// orders, and the store is capped. Each implementation's test file calls runViolationStoreContract with a factory.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { OpenedStore, StoreFactory } from '../helpers/store-factories.js';
import { MAX_VIOLATION_ROWS, type ViolationRow, type ViolationStore } from '../../src/core/plan.js';

function row(over: Partial<ViolationRow>): ViolationRow {
  return { source: 'web', type: 'track', event: 'Order', path: 'properties.total', kind: 'type_mismatch', message: 'm', example: '"x"', first_seen: 1000, last_seen: 1000, count: 1, ...over };
}

export function runViolationStoreContract(name: string, factory: StoreFactory<ViolationStore>): void {
  describe(`ViolationStore contract: ${name}`, () => {
    async function open(t: TestContext): Promise<OpenedStore<ViolationStore>> {
      const opened = await factory.open();
      t.after(() => opened.dispose());
      return opened;
    }

    it('adds counts up, keeps the first and last time seen and the latest example, across restarts', async (t) => {
      const opened = await open(t);
      await opened.store.record([row({ count: 2, first_seen: 500, last_seen: 900 }), row({ source: 'app', event: 'Signup', kind: 'missing_required', path: 'properties.plan', example: null, last_seen: 2000 })]);
      const store = await opened.reopen();
      await store.record([row({ count: 3, first_seen: 1500, last_seen: 1600, example: '"y"', message: 'newer' })]);
      assert.deepEqual(await store.list({ source: 'web' }), [row({ count: 5, first_seen: 500, last_seen: 1600, example: '"y"', message: 'newer' })]);
      assert.deepEqual((await store.list({})).map((r) => r.source), ['app', 'web'], 'most recently seen first');
      assert.deepEqual((await store.list({ event: 'Signup', kind: 'missing_required' })).map((r) => r.path), ['properties.plan']);
      assert.deepEqual(await store.list({ type: 'identify' }), []);
      assert.equal((await store.list({ limit: 1 })).length, 1);
    });

    it('rows with the same key in one write add up like separate writes; a null example keeps the stored one', async (t) => {
      const { store } = await open(t);
      await store.record([row({ count: 1, last_seen: 1000 }), row({ count: 4, first_seen: 10, last_seen: 3000, example: null, message: 'last' })]);
      assert.deepEqual(await store.list({}), [row({ count: 5, first_seen: 10, last_seen: 3000, example: '"x"', message: 'last' })]);
    });

    it(`keeps at most ${MAX_VIOLATION_ROWS} rows, dropping those seen least recently`, async (t) => {
      const { store } = await open(t);
      await store.record([row({ source: 'web', last_seen: 5 })]);
      const rows = Array.from({ length: MAX_VIOLATION_ROWS + 500 }, (_, i) => row({ source: 'bulk', path: `properties.p${i}`, last_seen: 10_000 + i }));
      await store.record(rows);
      const kept = await store.list({ source: 'bulk', limit: 10_000 });
      assert.equal(kept.length, MAX_VIOLATION_ROWS);
      assert.equal(kept.at(-1)!.path, 'properties.p500', 'the 500 seen least recently went');
      assert.deepEqual(await store.list({ source: 'web' }), [], 'older rows of other sources went first');
    });
  });
}
