// Config lists whose entries are addressed by name (functions, webhooks) refuse a repeated name where it is written.
import type { z } from 'zod';

/** A superRefine check for a list of named entries: the second use of a name is an error at that entry's `name`. */
export function uniqueNames(kind: string): (list: readonly { name: string }[], ctx: z.RefinementCtx) => void {
  return (list, ctx) => {
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      if (seen.has(entry.name)) ctx.addIssue({ code: 'custom', message: `another ${kind} is named ${entry.name}`, path: [i, 'name'] });
      seen.add(entry.name);
    });
  };
}
