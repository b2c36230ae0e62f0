// Identity stitching, as one pure procedure over a graph a backend exposes synchronously inside its transaction.
// Every id is a node owned by exactly one profile (a profile id per identity, rather than union-find parents: reads
// are one lookup, and a merge moves the smaller profile's ids). Merges are recorded; links that would give a
// profile more userIds than allowed are refused, so one shared or bogus id cannot fold many people into one.
import { anonKey, type IdentityFacts, type IdentityKey, userKey } from './ids.js';
import type { RefusedMerge } from './store.js';

export interface ProfileState {
  traits: Record<string, unknown>;
  /** Per trait key, the event time (ms) its value came from: last write wins. */
  traitAt: Record<string, number>;
  firstSeen: number;
  lastSeen: number;
  userIds: number;
  ids: number;
}

/** What a backend gives the stitcher, inside the transaction that also records the batch's position. */
export interface GraphTx {
  profileOf(key: IdentityKey): number | undefined;
  /** A new profile row (its state is saved by the stitcher). */
  createProfile(at: number): number;
  /** Adds the key to the profile; the stitcher counts it in the profile's state. */
  attach(key: IdentityKey, profile: number): void;
  load(profile: number): ProfileState;
  save(profile: number, state: ProfileState): void;
  /** Widens the profile's seen span without reading it (most events only move last seen). */
  widenSeen(profile: number, first: number, last: number): void;
  /** Moves every id of `from` to `into` and deletes `from`. */
  absorb(from: number, into: number): void;
  recordMerge(seq: number, kept: number, absorbed: number): void;
  /** The event is part of this id's timeline. */
  index(key: IdentityKey, seq: number): void;
}

export interface StitchOutcome {
  merges: number;
  refused: RefusedMerge[];
}

/**
 * Profile states read once per batch and written once at its end (most events only move a profile's last seen), and
 * the profile of each id looked up once per batch.
 */
class States {
  private readonly states = new Map<number, ProfileState>();
  private readonly dirty = new Set<number>();
  private readonly owners = new Map<IdentityKey, number>();
  /** Seen spans of profiles whose state was not read: written with one UPDATE each at the end. */
  private readonly spans = new Map<number, { first: number; last: number }>();

  constructor(private readonly graph: GraphTx) {}

  /** An event at `at` belongs to the profile. */
  seen(profile: number, at: number): void {
    const s = this.states.get(profile);
    if (s !== undefined) {
      seen(s, at);
      this.dirty.add(profile);
      return;
    }
    const span = this.spans.get(profile);
    if (span === undefined) this.spans.set(profile, { first: at, last: at });
    else {
      if (at < span.first) span.first = at;
      if (at > span.last) span.last = at;
    }
  }

  profileOf(key: IdentityKey): number | undefined {
    let p = this.owners.get(key);
    if (p === undefined) {
      p = this.graph.profileOf(key);
      if (p !== undefined) this.owners.set(key, p);
    }
    return p;
  }

  owned(key: IdentityKey, profile: number): void {
    this.owners.set(key, profile);
  }

  get(profile: number): ProfileState {
    let s = this.states.get(profile);
    if (s === undefined) {
      s = this.graph.load(profile);
      this.states.set(profile, s);
      const span = this.spans.get(profile);
      if (span !== undefined) {
        seen(s, span.first);
        seen(s, span.last);
        this.spans.delete(profile);
        this.dirty.add(profile);
      }
    }
    return s;
  }

  set(profile: number, state: ProfileState): void {
    this.states.set(profile, state);
    this.dirty.add(profile);
  }

  touch(profile: number): void {
    this.dirty.add(profile);
  }

  /** The profile was merged away: its ids now have another owner. */
  forget(profile: number): void {
    this.states.delete(profile);
    this.dirty.delete(profile);
    this.spans.delete(profile);
    this.owners.clear();
  }

  flush(): void {
    for (const p of this.dirty) this.graph.save(p, this.states.get(p)!);
    for (const [p, span] of this.spans) this.graph.widenSeen(p, span.first, span.last);
  }
}

export function stitch(graph: GraphTx, facts: readonly IdentityFacts[], maxUserIds: number): StitchOutcome {
  const out: StitchOutcome = { merges: 0, refused: [] };
  const states = new States(graph);
  for (const f of facts) new EventStitch(graph, states, f, maxUserIds, out).run();
  states.flush();
  return out;
}

function isUser(key: IdentityKey): boolean {
  return key.startsWith('u:');
}

function keysOf(graph: Pick<GraphTx, 'profileOf'>, f: IdentityFacts): { primary: IdentityKey | undefined; other: IdentityKey | undefined } {
  if (f.previousId !== undefined) {
    // alias: previousId was an anonymousId or an earlier userId; a known userId wins, else it is an anonymous one.
    const prevUser = userKey(f.previousId);
    const previous = graph.profileOf(prevUser) !== undefined ? prevUser : anonKey(f.previousId);
    const primary = f.userId !== undefined ? userKey(f.userId) : f.anonymousId !== undefined ? anonKey(f.anonymousId) : undefined;
    return { primary: primary ?? previous, other: primary === undefined || primary === previous ? undefined : previous };
  }
  if (f.userId !== undefined) return { primary: userKey(f.userId), other: f.anonymousId === undefined ? undefined : anonKey(f.anonymousId) };
  return { primary: f.anonymousId === undefined ? undefined : anonKey(f.anonymousId), other: undefined };
}

/** One event: make sure each of its ids has a profile, link them if allowed, then update what the event says. */
class EventStitch {
  constructor(
    private readonly graph: GraphTx,
    private readonly states: States,
    private readonly f: IdentityFacts,
    private readonly maxUserIds: number,
    private readonly out: StitchOutcome,
  ) {}

  run(): void {
    const { primary, other } = keysOf(this.states, this.f);
    if (primary === undefined) return;
    let p = this.states.profileOf(primary);
    let o = other === undefined ? undefined : this.states.profileOf(other);
    if (other === undefined) {
      p ??= this.create(primary);
    } else if (p === undefined && o === undefined) {
      p = this.create(primary);
      o = this.join(other, p);
    } else if (p === undefined) {
      p = this.join(primary, o!);
    } else if (o === undefined) {
      o = this.join(other, p);
    } else if (o !== p) {
      p = this.merge(p, o);
      o = p;
    }
    // One index row per profile the event belongs to is enough: a timeline reads every id of the profile.
    this.graph.index(primary, this.f.seq);
    if (other !== undefined && o !== p) this.graph.index(other, this.f.seq);
    this.update(p, this.f.traits);
    if (o !== undefined && o !== p) this.update(o, undefined);
  }

  private create(key: IdentityKey): number {
    const profile = this.graph.createProfile(this.f.at);
    this.states.set(profile, { traits: {}, traitAt: {}, firstSeen: this.f.at, lastSeen: this.f.at, userIds: 0, ids: 0 });
    this.attach(key, profile);
    return profile;
  }

  private attach(key: IdentityKey, profile: number): void {
    this.graph.attach(key, profile);
    this.states.owned(key, profile);
    const s = this.states.get(profile);
    s.ids++;
    if (isUser(key)) s.userIds++;
    this.states.touch(profile);
  }

  /** A new id joins the profile, unless it is a userId past the limit: then it is a person of its own. */
  private join(key: IdentityKey, profile: number): number {
    const held = this.states.get(profile).userIds;
    if (isUser(key) && held >= this.maxUserIds) {
      this.out.refused.push({ seq: this.f.seq, userIds: held + 1 });
      return this.create(key);
    }
    this.attach(key, profile);
    return profile;
  }

  /** Two existing profiles become one, unless together they hold too many userIds. Returns the event's profile. */
  private merge(p: number, o: number): number {
    const a = this.states.get(p);
    const b = this.states.get(o);
    if (a.userIds + b.userIds > this.maxUserIds) {
      this.out.refused.push({ seq: this.f.seq, userIds: a.userIds + b.userIds });
      return p;
    }
    // Keep the profile with more ids: the fewest rows move.
    const [kept, gone, ks, gs] = a.ids >= b.ids ? [p, o, a, b] : [o, p, b, a];
    this.graph.absorb(gone, kept);
    this.states.forget(gone);
    this.states.set(kept, mergeStates(ks, gs));
    this.graph.recordMerge(this.f.seq, kept, gone);
    this.out.merges++;
    return kept;
  }

  private update(profile: number, traits: Record<string, unknown> | undefined): void {
    if (traits !== undefined) {
      setTraits(this.states.get(profile), traits, this.f.at);
      this.states.touch(profile);
    }
    this.states.seen(profile, this.f.at);
  }
}

function seen(s: ProfileState, at: number): void {
  if (at < s.firstSeen) s.firstSeen = at;
  if (at > s.lastSeen) s.lastSeen = at;
}

function setTraits(s: ProfileState, traits: Record<string, unknown>, at: number): void {
  for (const [k, v] of Object.entries(traits)) {
    // Equal times: the later event in the log wins, as it was stitched later.
    if ((s.traitAt[k] ?? -Infinity) <= at) {
      s.traits[k] = v;
      s.traitAt[k] = at;
    }
  }
}

/** Two profiles as one: each trait from whichever side set it last, the widest seen span, the counts added. */
export function mergeStates(a: ProfileState, b: ProfileState): ProfileState {
  const merged: ProfileState = {
    traits: { ...a.traits },
    traitAt: { ...a.traitAt },
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
    userIds: a.userIds + b.userIds,
    ids: a.ids + b.ids,
  };
  for (const [k, at] of Object.entries(b.traitAt)) {
    if ((merged.traitAt[k] ?? -Infinity) < at) {
      merged.traits[k] = b.traits[k];
      merged.traitAt[k] = at;
    }
  }
  return merged;
}
