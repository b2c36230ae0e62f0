// One compiled transform step, and what it does to the document it is given. compile.ts uses `effect` to copy the
// input once, before the first step that writes to it, and never when no step does.
import type { JsonObject } from '../../core/event.js';

export interface Step {
  /** reads: returns its input or null. mutates: changes its input in place. rebuilds: returns a new document. */
  readonly effect: 'reads' | 'mutates' | 'rebuilds';
  run(doc: JsonObject): JsonObject | null;
}
