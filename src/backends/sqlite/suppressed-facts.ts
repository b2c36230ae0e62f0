// The identity writer's guard against a deleted person when the log is not in this database (log.backend nats):
// the stream still holds their events, so a batch read before the deletion committed would stitch their ids back.
// privacy-forget.ts stores the salted hash of every id it deletes (privacy_suppressed); a fact naming any of them is
// dropped whole, as the deletion would have removed the event had it been in `events`.
import type Database from 'better-sqlite3';
import type { IdentityFacts } from '../../identity/ids.js';
import { saltedHash } from '../../privacy/hashing.js';

export function suppressedFacts(db: Database.Database): { without(facts: IdentityFacts[], salt: string): IdentityFacts[] } {
  const any = db.prepare('SELECT EXISTS (SELECT 1 FROM privacy_suppressed)').pluck();
  const hashed = db.prepare('SELECT 1 FROM privacy_suppressed WHERE hash = ?').pluck();
  return {
    without(facts, salt) {
      // Nobody was ever deleted (the usual case): no hashing per id.
      if (any.get() === 0) return facts;
      const named = (v: string | undefined): boolean => v !== undefined && hashed.get(saltedHash(salt, v)) !== undefined;
      return facts.filter((f) => !named(f.userId) && !named(f.anonymousId) && !named(f.previousId));
    },
  };
}
