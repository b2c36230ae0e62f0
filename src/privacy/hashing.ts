// Salted hashing: HMAC-SHA-256 with a secret salt, hex. Used for the fields `privacy.hash_fields` names (so a value
// can still be counted and joined on, but not read) and for the ids of deleted people (so their future events can be
// recognised without keeping the ids).
import { createHmac } from 'node:crypto';
import type { JsonObject } from '../core/event.js';

export function saltedHash(salt: string, value: string): string {
  return createHmac('sha256', salt).update(value).digest('hex');
}

/** Replaces the values at dotted paths (`traits.email`, `context.traits.email`) with their salted hash, in place. */
export class FieldHasher {
  private readonly paths: string[][];

  constructor(
    paths: readonly string[],
    private readonly salt: string,
  ) {
    this.paths = paths.map((p) => p.split('.'));
  }

  get empty(): boolean {
    return this.paths.length === 0;
  }

  apply(event: JsonObject): void {
    for (const path of this.paths) {
      let node: unknown = event;
      for (let i = 0; i < path.length - 1 && isObject(node); i++) node = node[path[i]!];
      const last = path[path.length - 1]!;
      if (!isObject(node) || !(last in node)) continue;
      const v = node[last];
      // Scalars only: null, objects and arrays are left as they are (there is no single value to hash).
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') node[last] = saltedHash(this.salt, String(v));
    }
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
