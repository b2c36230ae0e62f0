// The identity store on the embedded SQLite database: writes go through the writer thread (identity-writer.ts),
// reads use the main thread's read connection, like the log's. The log itself may be elsewhere (log.backend nats):
// then timelines read their events from that log, and stitching recognises deleted people by their suppression hashes.
import type { LoggedEvent } from '../../core/event.js';
import type { Log } from '../../log/log.js';
import type { ForgetOptions, ForgetResult, IdentityBatch, IdentityStore, Profile, StitchResult, SuppressionStats } from '../../identity/store.js';
import type { IdentityOp, IdentityReply } from './identity-writer.js';
import { eventsOfPerson } from './person-in-stream.js';
import { IDENTITY_POSITION_NAME } from './privacy-forget.js';
import type { SqliteHost } from './rollup-store.js';

interface ProfileRow {
  profile_id: number;
  traits: string;
  first_seen: number;
  last_seen: number;
}

/** The log when it is not the host database's `events` table (log.backend nats). */
export interface LogElsewhere {
  log: Pick<Log, 'eventsAt' | 'scan' | 'deleteEvents' | 'deleteDeadLettersNaming'>;
  /** The suppression hashes' salt (privacy.salt), to recognise a deleted person's ids in what the stream still holds. */
  salt: string;
}

export class SqliteIdentityStore implements IdentityStore {
  private readonly st;

  constructor(
    /** The embedded database; when the log is its own, timelines read their events from it. */
    private readonly host: SqliteHost & Pick<Log, 'eventsAt'>,
    private readonly elsewhere?: LogElsewhere,
  ) {
    const db = host.readDb;
    this.st = {
      position: db.prepare('SELECT seq FROM identity_position WHERE name = ?').pluck(),
      profileOf: db.prepare('SELECT profile_id FROM identity_ids WHERE key = ?').pluck(),
      profile: db.prepare('SELECT profile_id, traits, first_seen, last_seen FROM identity_profiles WHERE profile_id = ?'),
      keys: db.prepare('SELECT key FROM identity_ids WHERE profile_id = ? ORDER BY id').pluck(),
      newest: db.prepare('SELECT seq FROM identity_events WHERE key = ? ORDER BY seq DESC LIMIT ?').pluck(),
      indexed: db.prepare('SELECT seq FROM identity_events WHERE key = ?').pluck(),
      count: db.prepare('SELECT n FROM identity_counts WHERE name = ?').pluck(),
      hashes: db.prepare('SELECT hash FROM privacy_suppressed').pluck(),
      suppressedIds: db.prepare('SELECT COUNT(*) FROM privacy_suppressed').pluck(),
    };
  }

  private async write(op: IdentityOp): Promise<unknown> {
    const reply = (await this.host.submit(op)) as IdentityReply;
    if (reply !== null && 'error' in reply) throw new Error(`the identity store could not be written: ${reply.error}`);
    return reply;
  }

  async position(): Promise<number> {
    return Number(this.st.position.get(IDENTITY_POSITION_NAME) ?? 0);
  }

  async apply(batch: IdentityBatch): Promise<StitchResult> {
    const op: IdentityOp = this.elsewhere === undefined ? { k: 'identity:apply', batch } : { k: 'identity:apply', batch, logElsewhere: { salt: this.elsewhere.salt } };
    return (await this.write(op)) as StitchResult;
  }

  async profile(id: string): Promise<Profile | null> {
    const pid = (this.st.profileOf.get(`u:${id}`) ?? this.st.profileOf.get(`a:${id}`)) as number | undefined;
    if (pid === undefined) return null;
    const row = this.st.profile.get(pid) as ProfileRow | undefined;
    if (row === undefined) return null;
    const keys = this.st.keys.all(pid) as string[];
    const userIds = keys.filter((k) => k.startsWith('u:')).map((k) => k.slice(2));
    const anonymousIds = keys.filter((k) => k.startsWith('a:')).map((k) => k.slice(2));
    return {
      profileId: row.profile_id,
      canonicalId: userIds[0] ?? anonymousIds[0] ?? id,
      userIds,
      anonymousIds,
      traits: JSON.parse(row.traits) as Record<string, unknown>,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
    };
  }

  async timeline(profileId: number, limit: number): Promise<LoggedEvent[]> {
    // The newest `limit` positions of each id, merged: index range scans only, however long the person's history.
    const seqs = new Set<number>();
    for (const key of this.st.keys.all(profileId) as string[]) for (const s of this.st.newest.all(key, limit) as number[]) seqs.add(s);
    const newest = [...seqs].sort((a, b) => b - a).slice(0, limit);
    // Events retention pruned (or NATS's max_age dropped) since are left out.
    return (this.elsewhere?.log ?? this.host).eventsAt(newest);
  }

  async refusedMerges(): Promise<number> {
    return Number(this.st.count.get('refused_merges') ?? 0);
  }

  async forget(id: string, opts: ForgetOptions): Promise<ForgetResult | null> {
    if (this.elsewhere === undefined) return (await this.write({ k: 'identity:forget', id, opts })) as ForgetResult | null;
    // The log is not in this database: the person's events are deleted from it first, then the profile, in the
    // writer's transaction. A failure in between leaves the profile, so the deletion can be asked again.
    const p = await this.profile(id);
    if (p === null) return null;
    const indexed = [...p.userIds.map((u) => `u:${u}`), ...p.anonymousIds.map((a) => `a:${a}`)].flatMap((k) => this.st.indexed.all(k) as number[]);
    const events = await eventsOfPerson(this.elsewhere.log, p, indexed, await this.position());
    const deadLetters = await this.elsewhere.log.deleteDeadLettersNaming(p);
    const deleted = await this.elsewhere.log.deleteEvents(events.map((e) => e.seq));
    const result = (await this.write({ k: 'identity:forget', id, opts, elsewhere: events })) as ForgetResult | null;
    return result === null ? null : { ...result, events: result.events + deleted, deadLetters: result.deadLetters + deadLetters };
  }

  async suppressedHashes(): Promise<string[]> {
    return this.st.hashes.all() as string[];
  }

  async countSuppressed(n: number): Promise<void> {
    await this.write({ k: 'identity:count', name: 'suppressed_events', n });
  }

  async suppressionStats(): Promise<SuppressionStats> {
    return { suppressedIds: Number(this.st.suppressedIds.get()), suppressedEvents: Number(this.st.count.get('suppressed_events') ?? 0) };
  }
}
