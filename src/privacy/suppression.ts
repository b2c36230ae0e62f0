// The ingest-side filter for deleted people: the salted hashes of their ids, in memory. An incoming event whose
// userId, anonymousId or previousId hashes to one of them is dropped before it reaches the log, and counted.
// While nobody is suppressed the check is one size test, so ingest pays nothing.
import type { TrackingEvent } from '../core/event.js';
import { saltedHash } from './hashing.js';

export class Suppression {
  private readonly hashes = new Set<string>();

  constructor(
    private readonly salt: string,
    hashes: Iterable<string> = [],
  ) {
    for (const h of hashes) this.hashes.add(h);
  }

  hash(id: string): string {
    return saltedHash(this.salt, id);
  }

  add(hashes: Iterable<string>): void {
    for (const h of hashes) this.hashes.add(h);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** True when the event carries an id of a deleted person. */
  matches(event: Pick<TrackingEvent, 'userId' | 'anonymousId' | 'previousId'>): boolean {
    if (this.hashes.size === 0) return false;
    for (const id of [event.userId, event.anonymousId, event.previousId]) {
      if (typeof id === 'string' && this.hashes.has(this.hash(id))) return true;
    }
    return false;
  }
}
