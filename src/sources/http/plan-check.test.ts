// The tracking-plan step of the ingest path, with a stub plan: where findings go, what the stored event carries, how
// a blocked message is refused, and that a source without a plan is untouched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrackingEvent } from '../../core/event.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import type { PlanGate, PlanReport } from '../plan-gate.js';
import { type IngestContext, prepareBatch, prepareSingle } from './ingest.js';
import { PlanBlockedError } from './plan-check.js';

/** Flags every property named `bad*`; omit mode drops them; block mode blocks. */
function stubGate(mode: PlanReport['mode']): PlanGate {
  return {
    check(type, event, payload) {
      const bad = Object.keys(payload ?? {}).filter((k) => k.startsWith('bad'));
      if (bad.length === 0) return null;
      const field = type === 'identify' || type === 'group' ? 'traits' : 'properties';
      const violations = bad.map((k) => ({ kind: 'unplanned_property' as const, path: `${field}.${k}`, message: `${field}.${k} is not in the plan`, value: payload![k] }));
      const report: PlanReport = { type, event: event ?? type, violations, blocked: mode === 'block', mode };
      if (mode === 'omit') {
        report.payload = Object.fromEntries(Object.entries(payload!).filter(([k]) => !k.startsWith('bad')));
        report.omitted = new Set(violations);
      }
      return report;
    },
  };
}

function ctx(plan?: PlanGate): IngestContext {
  return { source: 'web', limits: DEFAULT_LIMITS, receivedAt: Date.parse('2024-06-01T12:00:00Z'), ip: undefined, anonymizeIp: false, headerAnonymousId: undefined, plan };
}

const stored = (body: string): TrackingEvent => JSON.parse(body) as TrackingEvent;

describe('the plan step of ingest', () => {
  it('leaves a source without a plan alone, a claimed marker included', () => {
    const p = prepareSingle({ userId: 'u', event: 'E', properties: { bad: 1 }, context: { sluice: { plan: { valid: false } } } }, 'track', ctx());
    assert.equal(p.findings, undefined);
    assert.deepEqual(stored(p.records[0]!.body).context.sluice, { plan: { valid: false } });
  });

  it('allow: stores as sent, marks the event, and records a finding tied to its record', () => {
    const p = prepareBatch({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'identify', userId: 'u', traits: { bad_x: 1, ok: 2 } }] }, ctx(stubGate('allow')));
    assert.deepEqual(p.rejections, []);
    const e = stored(p.records[1]!.body);
    assert.deepEqual(e.traits, { bad_x: 1, ok: 2 });
    assert.deepEqual(e.context.sluice, { plan: { valid: false, mode: 'allow', violations: [{ kind: 'unplanned_property', path: 'traits.bad_x' }] } });
    assert.equal(stored(p.records[0]!.body).context.sluice, undefined);
    assert.deepEqual(p.findings!.map((f) => [f.record, f.type, f.event, f.blocked]), [[1, 'identify', 'identify', false]]);
  });

  it('omit: stores the trimmed payload and marks what was omitted; the request body is not changed', () => {
    const properties = { bad: 1, good: 2 };
    const p = prepareSingle({ userId: 'u', event: 'E', properties, context: { sluice: { other: true } } }, 'track', ctx(stubGate('omit')));
    const e = stored(p.records[0]!.body);
    assert.deepEqual(e.properties, { good: 2 });
    assert.deepEqual(e.context.sluice, { other: true, plan: { valid: false, mode: 'omit', violations: [{ kind: 'unplanned_property', path: 'properties.bad', omitted: true }] } });
    assert.deepEqual(properties, { bad: 1, good: 2 });
  });

  it('block: a batch item is refused with plan_violation, field and index; its finding has no record', () => {
    const p = prepareBatch({ batch: [{ type: 'track', userId: 'u', event: 'A', properties: { bad_1: 1, bad_2: 2 } }, { type: 'track', userId: 'u', event: 'B' }] }, ctx(stubGate('block')));
    assert.equal(p.records.length, 1);
    assert.deepEqual(p.rejections.map((r) => [r.index, r.code, r.field, r.message]), [[0, 'plan_violation', 'properties.bad_1', 'item 0: tracking plan: properties.bad_1 is not in the plan (and 1 more)']]);
    assert.ok(p.rejections[0]!.sample!.includes('bad_1'));
    assert.deepEqual(p.findings!.map((f) => [f.record, f.blocked, f.violations.length]), [[null, true, 2]]);
  });

  it('block: a single call throws the refusal, carrying its finding', () => {
    assert.throws(
      () => prepareSingle({ userId: 'u', event: 'E', properties: { bad: 'x' } }, 'track', ctx(stubGate('block'))),
      (err: unknown) => err instanceof PlanBlockedError && err.code === 'plan_violation' && err.status === 400 && err.field === 'properties.bad' && err.finding.record === null,
    );
  });

  it('caps the marker at ten violations and counts the rest', () => {
    const properties = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`bad${i}`, i]));
    const e = stored(prepareSingle({ userId: 'u', event: 'E', properties }, 'track', ctx(stubGate('allow'))).records[0]!.body);
    const marker = (e.context.sluice as { plan: { violations: unknown[]; more: number } }).plan;
    assert.equal(marker.violations.length, 10);
    assert.equal(marker.more, 3);
  });

  it('drops a marker the client claims when the plan finds nothing', () => {
    const e = stored(prepareSingle({ userId: 'u', event: 'E', context: { sluice: { plan: { valid: false } } } }, 'track', ctx(stubGate('allow'))).records[0]!.body);
    assert.equal(e.context.sluice, undefined);
  });
});
