// The synthetic plan the ingestion benchmark enforces: it compiles, its traffic follows it, and the invalid variant
// breaks it the way the benchmark expects (so a run with `valid: false` measures the violation path).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePlan } from './compile.js';
import { createPlanGate } from './enforcer.js';
import { parsePlan } from './plan-file.js';
import { planToYaml } from './plan-yaml.js';
import { syntheticBatchBody, syntheticPlan, syntheticTrack } from './synthetic.js';

describe('the synthetic 50-event plan', () => {
  const plan = syntheticPlan(50);
  const gate = createPlanGate(compilePlan(parsePlan(planToYaml(plan, 'bench'), 'synthetic.yaml'), 'synthetic.yaml'), { mode: 'block', unplanned_events: 'block' });
  const check = (m: Record<string, unknown>) => gate.check('track', m.event as string, m.properties as Record<string, unknown>);

  it('has 50 events and survives a round trip through YAML', () => {
    assert.equal(Object.keys(plan.events).length, 50);
    assert.deepEqual(parsePlan(planToYaml(plan, 'x'), 'x'), plan);
  });

  it('is followed by syntheticTrack, across all its events', () => {
    for (let i = 0; i < 100; i++) assert.equal(check(syntheticTrack(i)), null);
    const body = JSON.parse(syntheticBatchBody(50, { messageId: 'TOKEN' })) as { batch: Record<string, unknown>[] };
    assert.equal(new Set(body.batch.map((m) => m.event)).size, 50);
    assert.ok(body.batch.every((m) => m.messageId === 'TOKEN' && check(m) === null));
  });

  it('is broken by the invalid variant: a wrong type and an unplanned key', () => {
    const r = check(syntheticTrack(3, { valid: false }))!;
    assert.equal(r.blocked, true);
    assert.deepEqual(r.violations.map((v) => [v.kind, v.path]), [['unplanned_property', 'properties.unplanned_key'], ['type_mismatch', 'properties.price']]);
  });
});
