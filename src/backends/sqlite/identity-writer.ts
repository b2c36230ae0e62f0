// The identity store's writes, run by the writer thread inside its group transaction: `identity:apply` stitches a
// batch and records its last log position together (so a batch is stitched once), `identity:forget` deletes a
// person (privacy-forget.ts), `identity:count` adds to the suppressed-events count.
import type Database from 'better-sqlite3';
import type { LoggedEvent } from '../../core/event.js';
import { stitch } from '../../identity/stitch.js';
import type { ForgetOptions, ForgetResult, IdentityBatch, StitchResult } from '../../identity/store.js';
import { IDENTITY_SCHEMA, pruneIdentityEvents, sqliteGraph } from './identity-graph.js';
import { forget, IDENTITY_POSITION_NAME } from './privacy-forget.js';
import { suppressedFacts } from './suppressed-facts.js';

export type IdentityOp =
  /** `logElsewhere`: the log is not this database's `events` table (log.backend nats); its salt names deleted people. */
  | { k: 'identity:apply'; batch: IdentityBatch; logElsewhere?: { salt: string } }
  /** `elsewhere`: the person's events deleted from a log outside this database, to uncount (privacy-forget.ts). */
  | { k: 'identity:forget'; id: string; opts: ForgetOptions; elsewhere?: LoggedEvent[] }
  | { k: 'identity:count'; name: string; n: number };

export type IdentityReply = StitchResult | ForgetResult | null | { error: string };

function open(db: Database.Database): (op: { k: string }, now: number) => unknown {
  const graph = sqliteGraph(db);
  const st = {
    position: db.prepare('SELECT seq FROM identity_position WHERE name = ?').pluck(),
    setPosition: db.prepare('INSERT INTO identity_position (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq'),
    // One range read per batch, not a lookup per fact: a batch's facts are a run of consecutive positions.
    present: db.prepare('SELECT seq FROM events WHERE seq BETWEEN ? AND ?').pluck(),
    count: db.prepare('INSERT INTO identity_counts (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n'),
  };

  function presentOnly(facts: IdentityBatch['facts']): IdentityBatch['facts'] {
    if (facts.length === 0) return facts;
    let min = Infinity;
    let max = -Infinity;
    for (const f of facts) {
      if (f.seq < min) min = f.seq;
      if (f.seq > max) max = f.seq;
    }
    const present = new Set(st.present.all(min, max) as number[]);
    return facts.filter((f) => present.has(f.seq));
  }

  // Nested in the group's transaction, each of these is a savepoint: a failure undoes this op only.
  const suppressed = suppressedFacts(db);
  const apply = db.transaction((batch: IdentityBatch, logElsewhere: { salt: string } | undefined): StitchResult => {
    const position = Number(st.position.get(IDENTITY_POSITION_NAME) ?? 0);
    if (batch.lastSeq <= position) return { outcome: 'already_applied', position, merges: 0, refused: [] };
    if (batch.firstSeq <= position) return { outcome: 'overlaps', position, merges: 0, refused: [] };
    // An event of a person forgotten after the consumer read it must not bring their ids back. With the log here, the
    // deletion removed the event from `events`; with the log elsewhere (NATS) the event stays in the stream, but the
    // deletion stored the salted hash of each of the person's ids in the same kind of transaction as this one.
    const live = logElsewhere === undefined ? presentOnly(batch.facts) : suppressed.without(batch.facts, logElsewhere.salt);
    const result = stitch(graph, live, batch.maxUserIdsPerProfile);
    if (result.refused.length > 0) st.count.run('refused_merges', result.refused.length);
    st.setPosition.run(IDENTITY_POSITION_NAME, batch.lastSeq);
    return { outcome: 'applied', position: batch.lastSeq, ...result };
  });
  const forgetTx = db.transaction((id: string, opts: ForgetOptions, now: number, elsewhere: LoggedEvent[] | undefined) => forget(db, id, opts, now, elsewhere));

  return (op, now) => {
    const o = op as IdentityOp;
    try {
      switch (o.k) {
        case 'identity:apply':
          return apply(o.batch, o.logElsewhere);
        case 'identity:forget':
          return forgetTx(o.id, o.opts, now, o.elsewhere);
        case 'identity:count':
          st.count.run(o.name, o.n);
          return null;
        default:
          return { error: `unknown identity op ${op.k}` };
      }
    } catch (err) {
      return { error: (err as Error).message } satisfies IdentityReply;
    }
  };
}

// Typed by shape, not by importing WriterExtension: writer-extensions.ts imports this file, and its list is where the
// shape is checked.
export const identityWriterExtension = { name: 'identity', schema: IDENTITY_SCHEMA, open, prune: pruneIdentityEvents };
