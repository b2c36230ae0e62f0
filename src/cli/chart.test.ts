import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, change, periodLabel, sparkline, table } from './chart.js';

test('sparkline: one block per value, scaled to the largest', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([0, 0, 0]), '▁▁▁');
  assert.equal(sparkline([]), '');
  assert.equal(sparkline([10, 5]), '█▅');
});

test('bars: full blocks and an eighth block for the rest', () => {
  assert.equal(bar(10, 10, 4), '████');
  assert.equal(bar(5, 10, 4), '██');
  assert.equal(bar(1, 16, 2), '▏');
  assert.equal(bar(0, 10), '');
});

test('tables align columns; numbers to the right', () => {
  assert.equal(table([['PATH', 'COUNT'], ['/', '7'], ['/pricing', '12']], [1]), 'PATH      COUNT\n/             7\n/pricing     12');
});

test('period labels and changes', () => {
  assert.equal(periodLabel('2024-03-10T05:00:00-04:00', 'hour'), '2024-03-10 05:00');
  assert.equal(periodLabel('2024-03-10T00:00:00Z', 'day'), '2024-03-10');
  assert.equal(periodLabel('2024-03-01T00:00:00+05:30', 'month'), '2024-03');
  assert.equal(change(125, 100), '+25.0%');
  assert.equal(change(5, 0), 'new');
  assert.equal(change(90, 100), '-10.0%');
});
