// Finding a person's events when the log is not in the embedded database (log.backend nats), for deletion: those the
// identity consumer indexed under any of their ids, and those appended after its position, found by their body as
// privacy-forget.ts finds them in `events` (userId, anonymousId, or previousId naming any of their ids).
import type { LoggedEvent } from '../../core/event.js';
import type { Log } from '../../log/log.js';

/** Events read per scan of what the identity consumer has not reached (normally under a second's worth). */
const SCAN_PAGE = 1_000;

export interface Person {
  userIds: readonly string[];
  anonymousIds: readonly string[];
}

function names(body: string, p: Person, all: ReadonlySet<string>): boolean {
  let m: { userId?: unknown; anonymousId?: unknown; previousId?: unknown };
  try {
    m = JSON.parse(body) as typeof m;
  } catch {
    return false;
  }
  if (typeof m !== 'object' || m === null) return false;
  return (typeof m.userId === 'string' && p.userIds.includes(m.userId)) || (typeof m.anonymousId === 'string' && p.anonymousIds.includes(m.anonymousId)) || (typeof m.previousId === 'string' && all.has(m.previousId));
}

export async function eventsOfPerson(log: Pick<Log, 'eventsAt' | 'scan'>, person: Person, indexed: readonly number[], stitched: number): Promise<LoggedEvent[]> {
  const found = await log.eventsAt(indexed);
  const all = new Set([...person.userIds, ...person.anonymousIds]);
  for (let after = stitched; ; ) {
    const page = await log.scan(after, SCAN_PAGE);
    if (page.length === 0) return found;
    for (const e of page) if (names(e.body, person, all)) found.push(e);
    after = page[page.length - 1]!.seq;
  }
}
