import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ViolationRow } from '../core/plan.js';
import type { PlanFinding } from '../sources/plan-gate.js';
import { foldPath, UNPLANNED_EVENT_LABEL, ViolationRecorder } from './recorder.js';

function finding(event: string, violations: PlanFinding['violations'], type: PlanFinding['type'] = 'track'): PlanFinding {
  return { type, event, violations, blocked: false, mode: 'allow', record: 0 };
}

describe('ViolationRecorder', () => {
  it('counts the violations of each request at once and folds them into one stored row per source, event, path and kind', async () => {
    const counted: string[] = [];
    const written: ViolationRow[][] = [];
    const recorder = new ViolationRecorder({
      telemetry: { planViolations: (source, event, kind, n) => counted.push(`${source}|${event}|${kind}|${n}`) },
      store: async (rows) => written.push(rows),
      flushMs: 60_000,
    });
    const qty = (i: number, v: unknown) => ({ kind: 'type_mismatch' as const, path: `properties.items[${i}].qty`, message: `properties.items[${i}].qty must be integer`, value: v });
    recorder.report('web', [finding('Order', [qty(0, 'a'), qty(3, 'b')])], 1000);
    recorder.report('web', [finding('Nope', [{ kind: 'unplanned_event', path: 'event', message: 'x', value: 'Nope' }])], 2000);
    recorder.report('web', [finding('Order', [qty(1, 'c')])], 3000);
    // One increment per request and (event, kind): the first request's two violations count as 2 at once.
    assert.deepEqual(counted, ['web|Order|type_mismatch|2', `web|${UNPLANNED_EVENT_LABEL}|unplanned_event|1`, 'web|Order|type_mismatch|1']);
    assert.deepEqual(written, [], 'nothing is written before the flush');
    await recorder.flush();
    assert.deepEqual(written, [
      [
        { source: 'web', type: 'track', event: 'Order', path: 'properties.items[].qty', kind: 'type_mismatch', message: 'properties.items[1].qty must be integer', example: '"c"', first_seen: 1000, last_seen: 3000, count: 3 },
        { source: 'web', type: 'track', event: 'Nope', path: 'event', kind: 'unplanned_event', message: 'x', example: '"Nope"', first_seen: 2000, last_seen: 2000, count: 1 },
      ],
    ]);
    await recorder.flush();
    assert.equal(written.length, 1, 'an empty flush writes nothing');
  });

  it('flushes early when many distinct rows wait, and reports a failed write', async () => {
    const failures: number[] = [];
    const recorder = new ViolationRecorder({ telemetry: { planViolations: () => {} }, store: () => Promise.reject(new Error('disk')), onStoreError: (_e, n) => failures.push(n), maxPending: 2, flushMs: 60_000 });
    recorder.report('s', [finding('A', [{ kind: 'missing_required', path: 'properties.a', message: 'm' }]), finding('B', [{ kind: 'missing_required', path: 'properties.b', message: 'm' }])], 1);
    await recorder.flush();
    assert.deepEqual(failures, [2]);
  });

  it('folds array positions only', () => {
    assert.equal(foldPath('properties.a[10].b[2]'), 'properties.a[].b[]');
    assert.equal(foldPath('properties["x[1]"].y[0]'), 'properties["x[1]"].y[]');
  });
});
