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
  /** A new, empty profile. */
  createProfile(at: number): number;
  /** Adds the key to the profile (and counts it: ids, userIds). */
  attach(key: IdentityKey, profile: number): void;
  load(profile: number): ProfileState;
  save(profile: number, state: ProfileState): void;
  /** Moves every id of `from` to `into` and deletes `from`; `into`'s state is saved by the caller. */
  absorb(from: number, into: number): void;
  recordMerge(seq: number, kept: number, absorbed: number): void;
  /** The event is part of this id's timeline. */
  index(key: IdentityKey, seq: number): void;
}

export interface StitchOutcome {
  merges: number;
  refused: RefusedMerge[];
}

export function stitch(graph: GraphTx, facts: readonly IdentityFacts[], maxUserIds: number): StitchOutcome {
  const out: StitchOutcome = { merges: 0, refused: [] };
  for (const f of facts) stitchOne(graph, f, maxUserIds, out);
  return out;
}

function keysOf(graph: GraphTx, f: IdentityFacts): { primary: IdentityKey | undefined; other: IdentityKey | undefined } {
  if (f.previousId !== undefined) {
    // alias: previousId was an anonymousId or an earlier userId; a known userId wins, else it is an anonymous one.
    const prevUser = userKey(f.previousId);
    const previous = graph.profileOf(prevUser) !== undefined ? prevUser : anonKey(f.previousId);
    const primary = f.userId !== undefined ? userKey(f.userId) : f.anonymousId !== undefined ? anonKey(f.anonymousId) : undefined;
    return { primary: primary ?? previous, other: primary === undefined ? undefined : previous };
  }
  if (f.userId !== undefined) return { primary: userKey(f.userId), other: f.anonymousId === undefined ? undefined : anonKey(f.anonymousId) };
  return { primary: f.anonymousId === undefined ? undefined : anonKey(f.anonymousId), other: undefined };
}

/** The id's profile, and whether it was created just now (a new id starts as a profile of its own). */
function profileFor(graph: GraphTx, key: IdentityKey, at: number): { profile: number; created: boolean } {
  const known = graph.profileOf(key);
  if (known !== undefined) return { profile: known, created: false };
  const created = graph.createProfile(at);
  graph.attach(key, created);
  return { profile: created, created: true };
}

function stitchOne(graph: GraphTx, f: IdentityFacts, maxUserIds: number, out: StitchOutcome): void {
  const { primary, other } = keysOf(graph, f);
  if (primary === undefined) return;
  // Every id gets a profile of its own first; linking two ids is then always a merge of two profiles, checked once.
  const first = profileFor(graph, primary, f.at);
  let p = first.profile;
  graph.index(primary, f.seq);
  const touched = new Set([p]);
  if (other !== undefined && other !== primary) {
    const second = profileFor(graph, other, f.at);
    const o = second.profile;
    graph.index(other, f.seq);
    touched.add(o);
    if (o !== p) {
      const a = graph.load(p);
      const b = graph.load(o);
      if (a.userIds + b.userIds > maxUserIds) {
        out.refused.push({ seq: f.seq, userIds: a.userIds + b.userIds });
      } else {
        // Keep the profile that existed (a new id joins it), else the one with more ids: the fewest rows move.
        const keepFirst = second.created || (!first.created && a.ids >= b.ids);
        const [kept, gone, ks, gs] = keepFirst ? [p, o, a, b] : [o, p, b, a];
        graph.absorb(gone, kept);
        graph.save(kept, mergeStates(ks, gs));
        // A new id joining a profile is not a merge of two people; two profiles that both existed are.
        if (!first.created && !second.created) {
          graph.recordMerge(f.seq, kept, gone);
          out.merges++;
        }
        touched.clear();
        touched.add(kept);
        p = kept;
      }
    }
  }
  for (const profile of touched) {
    const s = graph.load(profile);
    seen(s, f.at);
    if (profile === p && f.traits !== undefined) setTraits(s, f.traits, f.at);
    graph.save(profile, s);
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
