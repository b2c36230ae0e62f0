// The RejectLog contract (src/sources/reject-log.ts): what record() is given is listed back, newest first, filtered
// by source and code, limited, and survives a restart. record() never throws and may write later, so reads wait
// for the entries to appear.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { OpenedStore, StoreFactory } from '../helpers/store-factories.js';
import type { RejectEntry, RejectLog, RejectQuery } from '../../src/sources/reject-log.js';

function entry(over: Partial<RejectEntry>): RejectEntry {
  return { at: 1_700_000_000_000, source: 'web', code: 'invalid_field', field: 'event', index: null, message: 'event must be a string', sample: '{"event":1}', ...over };
}

/** Lists until `n` entries are there (writes are asynchronous), for at most 5 s. */
async function listWhen(rejects: RejectLog, q: RejectQuery, n: number): Promise<RejectEntry[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await rejects.list(q);
    if (rows.length >= n || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function runRejectLogContract(name: string, factory: StoreFactory<RejectLog>): void {
  describe(`RejectLog contract: ${name}`, () => {
    async function open(t: TestContext): Promise<OpenedStore<RejectLog>> {
      const opened = await factory.open();
      t.after(() => opened.dispose());
      return opened;
    }

    it('lists what was recorded, newest first, with every field as given', async (t) => {
      const { store: rejects } = await open(t);
      const first = entry({});
      const second = entry({ at: 1_700_000_000_500, source: null, code: 'unauthorized', field: null, index: 3, message: 'unknown write key', sample: null });
      rejects.record([first]);
      rejects.record([second]);
      assert.deepEqual(await listWhen(rejects, {}, 2), [second, first]);
    });

    it('filters by source and code, and limits', async (t) => {
      const { store: rejects } = await open(t);
      rejects.record([entry({ source: 'a', code: 'x', index: 0 }), entry({ source: 'b', code: 'x', index: 1 }), entry({ source: 'a', code: 'y', index: 2 })]);
      assert.equal((await listWhen(rejects, {}, 3)).length, 3);
      assert.deepEqual((await rejects.list({ source: 'a' })).map((r) => r.index), [2, 0]);
      assert.deepEqual((await rejects.list({ code: 'x' })).map((r) => r.index), [1, 0]);
      assert.deepEqual((await rejects.list({ source: 'a', code: 'x' })).map((r) => r.index), [0]);
      assert.deepEqual((await rejects.list({ limit: 1 })).map((r) => r.index), [2]);
    });

    it('keeps a sample holding any character a request may carry, readable back', async (t) => {
      const { store: rejects } = await open(t);
      rejects.record([entry({ sample: '{"a":"\u00e9\u{1F600}\u0000"}' })]);
      const [row] = await listWhen(rejects, {}, 1);
      assert.ok(row!.sample!.startsWith('{"a":"\u00e9\u{1F600}'), 'text up to the NUL survives');
    });

    it('what was recorded before a restart is still listed after it', async (t) => {
      const opened = await open(t);
      opened.store.record([entry({ index: 7 })]);
      const rejects = await opened.reopen();
      assert.deepEqual((await listWhen(rejects, {}, 1)).map((r) => r.index), [7]);
    });
  });
}
