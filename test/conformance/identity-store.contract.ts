// The IdentityStore contract: what every implementation must do, as the identity consumer, the profile API and
// privacy deletion see it. Each implementation's test file calls runIdentityStoreContract with a factory that opens
// the store next to a log it can append to (timelines and deletion read the log's events).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { IdentityFacts } from '../../src/identity/ids.js';
import type { IdentityBatch, IdentityStore } from '../../src/identity/store.js';
import { saltedHash } from '../../src/privacy/hashing.js';

export interface OpenedIdentityStore {
  readonly store: IdentityStore;
  /** Appends Segment messages to the log the store reads; returns their positions. */
  append(messages: Record<string, unknown>[]): Promise<number[]>;
  /** Closes and opens the same storage again. */
  reopen(): Promise<IdentityStore>;
  dispose(): Promise<void>;
}

export interface IdentityStoreFactory {
  open(): Promise<OpenedIdentityStore>;
}

const T = Date.parse('2026-03-01T12:00:00Z');
/** The suppression salt the contract's deletions use: a store built with a salt of its own must be given this one. */
export const SALT = 'contract-salt-0123456789';

type Msg = { userId?: string; anonymousId?: string; previousId?: string; type?: string; traits?: Record<string, unknown>; min?: number };

/** Appends the messages and returns the batch that stitches them (facts built as identityFacts would). */
async function batchOf(o: OpenedIdentityStore, msgs: Msg[], maxUserIdsPerProfile = 5): Promise<IdentityBatch> {
  const bodies = msgs.map((m, i) => ({ type: m.type ?? 'track', messageId: `m-${Math.random()}-${i}`, timestamp: new Date(T + (m.min ?? i) * 60_000).toISOString(), ...pick(m) }));
  const seqs = await o.append(bodies);
  const facts: IdentityFacts[] = msgs.map((m, i) => ({ seq: seqs[i]!, at: T + (m.min ?? i) * 60_000, blocked: 0, ...pick(m) }));
  return { firstSeq: seqs[0]!, lastSeq: seqs[seqs.length - 1]!, facts, maxUserIdsPerProfile };
}

function pick(m: Msg): Partial<Pick<IdentityFacts, 'userId' | 'anonymousId' | 'previousId' | 'traits'>> {
  const out: Partial<Pick<IdentityFacts, 'userId' | 'anonymousId' | 'previousId' | 'traits'>> = {};
  if (m.userId !== undefined) out.userId = m.userId;
  if (m.anonymousId !== undefined) out.anonymousId = m.anonymousId;
  if (m.previousId !== undefined) out.previousId = m.previousId;
  if (m.traits !== undefined) out.traits = m.traits;
  return out;
}

export function runIdentityStoreContract(name: string, factory: IdentityStoreFactory): void {
  describe(`IdentityStore contract: ${name}`, () => {
    async function open(t: TestContext): Promise<OpenedIdentityStore> {
      const o = await factory.open();
      t.after(() => o.dispose());
      return o;
    }

    it('records the position with the batch; a batch again is already applied, an overlapping one is refused', async (t) => {
      const o = await open(t);
      assert.equal(await o.store.position(), 0);
      const b = await batchOf(o, [{ anonymousId: 'a1' }, { anonymousId: 'a1', userId: 'u1' }]);
      assert.deepEqual(await o.store.apply(b), { outcome: 'applied', position: b.lastSeq, merges: 0, refused: [] });
      assert.equal((await o.store.apply(b)).outcome, 'already_applied');
      const next = await batchOf(o, [{ userId: 'u2' }]);
      assert.equal((await o.store.apply({ ...next, firstSeq: b.lastSeq })).outcome, 'overlaps');
      assert.equal(await o.store.position(), b.lastSeq);
      assert.deepEqual((await o.store.profile('a1'))?.userIds, ['u1'], 'the batch stitched once');
    });

    it('links an anonymous session to the userId that identifies it; any id finds the one profile', async (t) => {
      const o = await open(t);
      await o.store.apply(await batchOf(o, [{ anonymousId: 'anon' }, { anonymousId: 'anon', userId: 'user', type: 'identify', traits: { plan: 'free' } }, { userId: 'user', min: 9 }]));
      const byAnon = await o.store.profile('anon');
      const byUser = await o.store.profile('user');
      assert.deepEqual(byAnon, byUser);
      assert.equal(byUser!.canonicalId, 'user');
      assert.deepEqual(byUser!.anonymousIds, ['anon']);
      assert.deepEqual(byUser!.traits, { plan: 'free' });
      assert.equal(byUser!.firstSeen, T);
      assert.equal(byUser!.lastSeen, T + 9 * 60_000);
      assert.equal(await o.store.profile('nobody'), null);
    });

    it('merges two known profiles, each trait from the latest identify by event time', async (t) => {
      const o = await open(t);
      await o.store.apply(
        await batchOf(o, [
          { anonymousId: 'anon', type: 'identify', traits: { color: 'red', size: 'S' }, min: 10 },
          { userId: 'user', type: 'identify', traits: { color: 'blue' }, min: 5 },
          { userId: 'user', type: 'identify', traits: { size: 'L' }, min: 20 },
        ]),
      );
      assert.notEqual((await o.store.profile('anon'))!.profileId, (await o.store.profile('user'))!.profileId);
      const r = await o.store.apply(await batchOf(o, [{ anonymousId: 'anon', userId: 'user', min: 30 }]));
      assert.equal(r.merges, 1);
      const p = (await o.store.profile('anon'))!;
      assert.equal(p.profileId, (await o.store.profile('user'))!.profileId);
      assert.deepEqual(p.traits, { color: 'red', size: 'L' });
      assert.equal(p.firstSeen, T + 5 * 60_000);
      assert.equal(p.lastSeen, T + 30 * 60_000);
    });

    it('refuses a link past the userId limit and counts it; the people stay apart', async (t) => {
      const o = await open(t);
      const r = await o.store.apply(await batchOf(o, [{ anonymousId: 'shared', userId: 'u1' }, { anonymousId: 'shared', userId: 'u2' }, { anonymousId: 'shared', userId: 'u3' }], 2));
      assert.deepEqual(r.refused.map((x) => x.userIds), [3]);
      assert.deepEqual((await o.store.profile('shared'))!.userIds, ['u1', 'u2']);
      assert.deepEqual((await o.store.profile('u3'))!.userIds, ['u3']);
      assert.deepEqual((await o.store.profile('u3'))!.anonymousIds, []);
      assert.equal(await o.store.refusedMerges(), 1);
    });

    it('alias joins a previous userId or anonymousId to the new userId', async (t) => {
      const o = await open(t);
      await o.store.apply(await batchOf(o, [{ userId: 'old' }, { anonymousId: 'dev' }]));
      await o.store.apply(await batchOf(o, [{ type: 'alias', previousId: 'old', userId: 'new' }, { type: 'alias', previousId: 'dev', userId: 'new' }], 2));
      const p = (await o.store.profile('dev'))!;
      assert.deepEqual([...p.userIds].sort(), ['new', 'old']);
      assert.deepEqual(p.anonymousIds, ['dev']);
    });

    it('answers the timeline newest first, up to the limit, by every id of the profile', async (t) => {
      const o = await open(t);
      const b = await batchOf(o, [{ anonymousId: 'a' }, { userId: 'other' }, { anonymousId: 'a', userId: 'u' }, { userId: 'u' }]);
      await o.store.apply(b);
      const pid = (await o.store.profile('u'))!.profileId;
      const seqs = b.facts.map((f) => f.seq);
      assert.deepEqual((await o.store.timeline(pid, 10)).map((e) => e.seq), [seqs[3], seqs[2], seqs[0]]);
      assert.deepEqual((await o.store.timeline(pid, 2)).map((e) => e.seq), [seqs[3], seqs[2]]);
    });

    it('forgets a person: every id, stitched and not yet stitched events, the profile; stores salted hashes only', async (t) => {
      const o = await open(t);
      await o.store.apply(await batchOf(o, [{ anonymousId: 'a' }, { anonymousId: 'a', userId: 'u' }, { userId: 'keep' }]));
      // Appended but not stitched yet: found by its body.
      await batchOf(o, [{ userId: 'u' }]);
      const r = await o.store.forget('a', { salt: SALT, rollups: null });
      assert.deepEqual(r, { userIds: ['u'], anonymousIds: ['a'], events: 3, deadLetters: 0, rejects: 0, uncounted: 0 });
      assert.equal(await o.store.profile('a'), null);
      assert.equal(await o.store.profile('u'), null);
      assert.notEqual(await o.store.profile('keep'), null);
      assert.deepEqual((await o.store.suppressedHashes()).sort(), [saltedHash(SALT, 'a'), saltedHash(SALT, 'u')].sort());
      assert.deepEqual(await o.store.suppressionStats(), { suppressedIds: 2, suppressedEvents: 0 });
      assert.equal(await o.store.forget('a', { salt: SALT, rollups: null }), null, 'nobody left to forget');
    });

    it('does not bring a forgotten person back from a batch read before the deletion', async (t) => {
      const o = await open(t);
      await o.store.apply(await batchOf(o, [{ userId: 'y' }]));
      const read = await batchOf(o, [{ anonymousId: 'x', userId: 'y' }, { userId: 'z' }]);
      await o.store.forget('y', { salt: SALT, rollups: null });
      assert.equal((await o.store.apply(read)).outcome, 'applied');
      assert.equal(await o.store.profile('x'), null);
      assert.equal(await o.store.profile('y'), null);
      assert.notEqual(await o.store.profile('z'), null);
      assert.equal(await o.store.position(), read.lastSeq);
    });

    it('counts suppressed events durably, with the graph and the position', async (t) => {
      const o = await open(t);
      await o.store.apply(await batchOf(o, [{ anonymousId: 'a', userId: 'u', type: 'identify', traits: { k: 1 } }]));
      await o.store.countSuppressed(2);
      await o.store.countSuppressed(3);
      const position = await o.store.position();
      const again = await o.reopen();
      assert.equal((await again.suppressionStats()).suppressedEvents, 5);
      assert.equal(await again.position(), position);
      assert.deepEqual((await again.profile('a'))!.traits, { k: 1 });
    });
  });
}
