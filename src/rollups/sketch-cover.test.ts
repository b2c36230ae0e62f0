import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverHours, hoursOf, monthOfHour, monthStartHour } from './sketch-cover.js';

const H = (iso: string): number => Date.parse(iso) / 3_600_000;

test('a whole UTC month is one sketch; whole days are days; the rest are hours', () => {
  assert.deepEqual(coverHours(H('2024-02-01T00:00:00Z'), H('2024-03-01T00:00:00Z')), [{ level: 'month', start: monthOfHour(H('2024-02-01T00:00:00Z')) }]);
  const c = coverHours(H('2024-01-30T22:00:00Z'), H('2024-03-02T01:00:00Z'));
  assert.deepEqual(
    c.map((k) => k.level),
    ['hour', 'hour', 'day', 'month', 'day', 'hour'],
  );
  // A local day in New York (05:00 to 05:00 UTC) spans two UTC days: hours only.
  assert.deepEqual(new Set(coverHours(H('2024-05-01T04:00:00Z'), H('2024-05-02T04:00:00Z')).map((k) => k.level)), new Set(['hour']));
});

test('month starts are right across years', () => {
  assert.equal(monthStartHour(0), 0);
  assert.equal(monthStartHour(monthOfHour(H('2023-12-15T10:00:00Z')) + 1), H('2024-01-01T00:00:00Z'));
  assert.equal(monthOfHour(H('2024-01-01T00:00:00Z')) - monthOfHour(H('2023-12-31T23:00:00Z')), 1);
});

test('property: the cover is exactly the hours asked for, each once, and as coarse as it can be', () => {
  let x = 99;
  const rand = (): number => (x = (x * 48_271) % 2_147_483_647) / 2_147_483_647;
  const base = H('2023-06-01T00:00:00Z');
  for (let i = 0; i < 300; i++) {
    const from = base + Math.floor(rand() * 24 * 400);
    const to = from + Math.floor(rand() * 24 * (i % 3 === 0 ? 120 : 5));
    const keys = coverHours(from, to);
    let next = from;
    for (const k of keys) {
      const [a, b] = hoursOf(k);
      assert.equal(a, next, `contiguous at ${new Date(a * 3_600_000).toISOString()}`);
      next = b;
    }
    assert.equal(next, to, 'ends where the range ends');
    // Coarsest: no run of 24 hour keys makes a whole UTC day inside the range.
    for (let j = 0; j + 23 < keys.length; j++) {
      const run = keys.slice(j, j + 24);
      const wholeDay = run.every((k) => k.level === 'hour') && run[0]!.start % 24 === 0 && run[23]!.start === run[0]!.start + 23;
      assert.ok(!wholeDay, 'a whole day of hours would have been one day sketch');
    }
  }
});
