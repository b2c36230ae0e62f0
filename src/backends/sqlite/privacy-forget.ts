// Deleting a person, in one writer transaction: every id of their profile, the events that carry those ids (those
// the identity consumer indexed, and those it has not reached yet), their retries, dead letters and reject samples,
// their contributions to exact rollup counters, the profile and its timeline index; then the suppression hashes.
import type Database from 'better-sqlite3';
import { eventDeleter } from './event-holes.js';
import type { ForgetOptions, ForgetResult } from '../../identity/store.js';
import { saltedHash } from '../../privacy/hashing.js';
import type { LoggedEvent } from '../../core/event.js';
import { uncount } from './rollup-uncount.js';

export const IDENTITY_POSITION_NAME = 'identity';

/** SQL matching a stored body that names one of the ids; `?` lists are filled by `args`. */
function namesIds(column: string, userIds: readonly string[], anonymousIds: readonly string[]): { sql: string; args: string[] } {
  const list = (n: number): string => new Array(n).fill('?').join(', ');
  const all = [...userIds, ...anonymousIds];
  const sql = `json_valid(${column}) AND (json_extract(${column}, '$.userId') IN (${list(userIds.length)})
    OR json_extract(${column}, '$.anonymousId') IN (${list(anonymousIds.length)})
    OR json_extract(${column}, '$.previousId') IN (${list(all.length)}))`;
  return { sql, args: [...userIds, ...anonymousIds, ...all] };
}

/** Deletes the dead letters (every consumer's) whose stored event names one of the ids; returns how many. */
export function deleteDeadLettersNaming(db: Database.Database, userIds: readonly string[], anonymousIds: readonly string[]): number {
  const match = namesIds('body', userIds, anonymousIds);
  return db.prepare(`DELETE FROM dead_letters WHERE ${match.sql}`).run(...match.args).changes;
}

/**
 * `elsewhere`: with the log not in this database (log.backend nats), the person's events the caller found and deleted
 * in that log; here they are only taken back out of the rollup counters.
 */
export function forget(db: Database.Database, id: string, opts: ForgetOptions, now: number, elsewhere: readonly LoggedEvent[] = []): ForgetResult | null {
  const profileOf = db.prepare('SELECT profile_id FROM identity_ids WHERE key = ?').pluck();
  const profile = (profileOf.get(`u:${id}`) ?? profileOf.get(`a:${id}`)) as number | undefined;
  if (profile === undefined) return null;
  const keys = db.prepare('SELECT key FROM identity_ids WHERE profile_id = ? ORDER BY id').pluck().all(profile) as string[];
  const userIds = keys.filter((k) => k.startsWith('u:')).map((k) => k.slice(2));
  const anonymousIds = keys.filter((k) => k.startsWith('a:')).map((k) => k.slice(2));

  const seqs = new Set<number>();
  const indexed = db.prepare('SELECT seq FROM identity_events WHERE key = ?').pluck();
  for (const k of keys) for (const s of indexed.all(k) as number[]) seqs.add(s);
  // Events appended after the identity consumer's position are not indexed yet: find them by their body.
  const stitched = Number(db.prepare('SELECT seq FROM identity_position WHERE name = ?').pluck().get(IDENTITY_POSITION_NAME) ?? 0);
  const match = namesIds('body', userIds, anonymousIds);
  for (const s of db.prepare(`SELECT seq FROM events WHERE seq > ? AND ${match.sql}`).pluck().all(stitched, ...match.args) as number[]) seqs.add(s);

  // Aliased to LoggedEvent's shape here: importing sqlite-consumer's mapper would make an import cycle through the writer.
  const rowAt = db.prepare('SELECT seq, source, message_id AS messageId, type, received_at AS receivedAt, body FROM events WHERE seq = ?');
  const events = [...seqs].map((s) => rowAt.get(s) as LoggedEvent | undefined).filter((r) => r !== undefined);
  const uncounted = opts.rollups === null ? 0 : uncount(db, [...events, ...elsewhere], opts.rollups);

  const deleteEvent = eventDeleter(db);
  const deleted = events.filter((e) => deleteEvent(e.seq)).length;
  const deadLetters = deleteDeadLettersNaming(db, userIds, anonymousIds);
  // Reject samples are truncated raw bodies: remove any that holds one of the ids as a JSON string.
  const delRejects = db.prepare('DELETE FROM rejects WHERE instr(sample, ?) > 0');
  let rejects = 0;
  for (const v of new Set([...userIds, ...anonymousIds])) rejects += delRejects.run(JSON.stringify(v)).changes;

  const delIndex = db.prepare('DELETE FROM identity_events WHERE key = ?');
  for (const k of keys) delIndex.run(k);
  db.prepare('DELETE FROM identity_ids WHERE profile_id = ?').run(profile);
  db.prepare('DELETE FROM identity_profiles WHERE profile_id = ?').run(profile);
  db.prepare('DELETE FROM identity_merges WHERE kept = ? OR absorbed = ?').run(profile, profile);
  const suppress = db.prepare('INSERT OR IGNORE INTO privacy_suppressed (hash, at) VALUES (?, ?)');
  for (const v of new Set([...userIds, ...anonymousIds])) suppress.run(saltedHash(opts.salt, v), now);
  return { userIds, anonymousIds, events: deleted, deadLetters, rejects, uncounted };
}
