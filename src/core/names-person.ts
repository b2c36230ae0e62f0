// Whether a stored event names a person: the test deleting a person applies to copies of events kept outside the log
// (dead letters), the same one the SQLite store runs in SQL (backends/sqlite/privacy-forget.ts, namesIds).

/** A person's ids, as their profile holds them. */
export interface PersonIds {
  userIds: readonly string[];
  anonymousIds: readonly string[];
}

/** True when the event body (JSON) carries one of the ids as its userId or anonymousId, or either as its previousId. */
export function namesPerson(body: string, ids: PersonIds): boolean {
  let e: { userId?: unknown; anonymousId?: unknown; previousId?: unknown };
  try {
    e = JSON.parse(body) as typeof e;
  } catch {
    return false;
  }
  if (e === null || typeof e !== 'object') return false;
  const is = (v: unknown, list: readonly string[]): boolean => typeof v === 'string' && list.includes(v);
  return is(e.userId, ids.userIds) || is(e.anonymousId, ids.anonymousIds) || is(e.previousId, ids.userIds) || is(e.previousId, ids.anonymousIds);
}
