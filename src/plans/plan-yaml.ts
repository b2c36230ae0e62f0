// Writes a plan as YAML, the way a person would keep it: a header comment, keys in the plan's order, no line folding.
import { Document } from 'yaml';
import type { TrackingPlan } from './plan-file.js';

export function planToYaml(plan: TrackingPlan, header: string): string {
  const doc = new Document(plan);
  doc.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  return doc.toString({ lineWidth: 0 });
}
