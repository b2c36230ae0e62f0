// What an event says about identity: its ids (as graph keys, blocked values left out) and, for identify, its traits.
// Pure; the identity consumer calls it on every event it reads.
import type { LoggedEvent } from '../core/event.js';
import { BUILTIN_BLOCKED_IDS } from './config.js';

/** Graph keys: userIds and anonymousIds live in separate namespaces ('u:42' and 'a:42' are different ids). */
export type IdentityKey = `u:${string}` | `a:${string}`;

export function userKey(id: string): IdentityKey {
  return `u:${id}`;
}

export function anonKey(id: string): IdentityKey {
  return `a:${id}`;
}

/** One event, as the stitcher needs it. */
export interface IdentityFacts {
  seq: number;
  /** Event time (ms): orders traits (last write wins) and sets first/last seen. */
  at: number;
  userId?: string;
  anonymousId?: string;
  /** alias only: the id being joined to userId (an anonymousId, or an earlier userId). */
  previousId?: string;
  /** identify only: traits to merge into the profile. */
  traits?: Record<string, unknown>;
  /** Ids the event carried that are blocked values (counted, never stored). */
  blocked: number;
}

export class BlockList {
  private readonly values: Set<string>;

  constructor(extra: readonly string[] = []) {
    this.values = new Set([...BUILTIN_BLOCKED_IDS, ...extra].map(normalized));
  }

  has(id: string): boolean {
    return this.values.has(normalized(id));
  }
}

function normalized(id: string): string {
  return id.trim().toLowerCase();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The identity facts of a logged event; null when it carries no usable id (or is not a Segment message). */
export function identityFacts(logged: LoggedEvent, blocked: BlockList): IdentityFacts | null {
  let body: unknown;
  try {
    body = JSON.parse(logged.body);
  } catch {
    return null;
  }
  if (!isObject(body)) return null;
  const facts: IdentityFacts = { seq: logged.seq, at: timeOf(body.timestamp, logged.receivedAt), blocked: 0 };
  const take = (v: unknown): string | undefined => {
    if (typeof v !== 'string') return undefined;
    if (blocked.has(v)) {
      facts.blocked++;
      return undefined;
    }
    return v;
  };
  const userId = take(body.userId);
  const anonymousId = take(body.anonymousId);
  if (userId !== undefined) facts.userId = userId;
  if (anonymousId !== undefined) facts.anonymousId = anonymousId;
  if (body.type === 'alias') {
    const previousId = take(body.previousId);
    if (previousId !== undefined) facts.previousId = previousId;
  }
  if (body.type === 'identify' && isObject(body.traits)) facts.traits = body.traits;
  if (facts.userId === undefined && facts.anonymousId === undefined && facts.previousId === undefined) return facts.blocked > 0 ? facts : null;
  return facts;
}

function timeOf(timestamp: unknown, fallback: number): number {
  const t = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  return Number.isNaN(t) ? fallback : t;
}
