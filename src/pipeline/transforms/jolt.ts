// A Jolt item (`uses: …jolt`, `with: { spec: [...] }`): its operations compiled into steps, in order. Each step is
// named after its place in the list, so errors point at the operation to fix: `transforms[0].with.spec[1] (shift)`.
import type { JoltOperation } from './schema.js';
import type { Step } from './step.js';
import { compileDefault } from './jolt-default.js';
import { compileRemove } from './jolt-remove.js';
import { compileShift } from './jolt-shift.js';

export function joltSteps(operations: readonly JoltOperation[], itemName: string): Step[] {
  return operations.map((operation, j) => {
    const name = `${itemName}.with.spec[${j}] (${operation.operation})`;
    switch (operation.operation) {
      case 'shift':
        return { effect: 'rebuilds', run: compileShift(operation.spec, name) };
      case 'default':
        return { effect: 'mutates', run: compileDefault(operation.spec, name) };
      case 'remove':
        return { effect: 'mutates', run: compileRemove(operation.spec, name) };
    }
  });
}
