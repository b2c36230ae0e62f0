import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverHours, hoursOf, monthOfHour, monthStartHour, sketchKeysOfHour } from './sketch-cover.js';

const H = (iso: string): number => Date.parse(iso) / 3_600_000;

test('a whole UTC month is one sketch; whole days are days; the rest are hours', () => {
  assert.deepEqual(coverHours(H('2024-02-01T00:00:00Z'), H('2024-03-01T00:00:00Z')), [{ level: 'month', start: monthOfHour(H('2024-02-01T00:00:00Z')) }]);
  const c = coverHours(H('2024-01-30T22:00:00Z'), H('2024-03-02T01:00:00Z'));
  assert.deepEqual(
    c.map((k) => k.level),
    ['hour', 'hour', 'day', 'month', 'day', 'hour'],
  );
});

test('a local day off UTC is 6-hour blocks and a few hours: 9 sketches in New York, 4 in Kolkata, not 24', () => {
  const levels = (from: string, to: string): string[] => coverHours(H(from), H(to)).map((k) => k.level);
  // New York in summer (04:00 to 04:00 UTC): 04:00 and 05:00, the blocks from 06:00, 12:00, 18:00, then 00:00–04:00.
  assert.deepEqual(levels('2024-05-01T04:00:00Z', '2024-05-02T04:00:00Z'), ['hour', 'hour', '6h', '6h', '6h', 'hour', 'hour', 'hour', 'hour']);
  // In winter (05:00 to 05:00 UTC): also 9.
  assert.equal(levels('2024-01-10T05:00:00Z', '2024-01-11T05:00:00Z').length, 9);
  // Kolkata's day is 18:00 to 18:00 UTC (periods.ts rounds +05:30 to whole hours): four blocks.
  assert.deepEqual(levels('2024-05-01T18:00:00Z', '2024-05-02T18:00:00Z'), ['6h', '6h', '6h', '6h']);
  assert.deepEqual(hoursOf({ level: '6h', start: H('2024-05-01T18:00:00Z') / 6 }), [H('2024-05-01T18:00:00Z'), H('2024-05-02T00:00:00Z')]);
});

test('an hour is stored in its own sketch and in those of its block, day and month', () => {
  const h = H('2024-02-29T23:00:00Z');
  assert.deepEqual(sketchKeysOfHour(h), [
    { level: 'hour', start: h },
    { level: '6h', start: H('2024-02-29T18:00:00Z') / 6 },
    { level: 'day', start: H('2024-02-29T00:00:00Z') / 24 },
    { level: 'month', start: monthOfHour(h) },
  ]);
  for (const key of sketchKeysOfHour(h)) {
    const [a, b] = hoursOf(key);
    assert.ok(a <= h && h < b, `${key.level} holds the hour`);
  }
  // Before 1970 too: blocks and days round down.
  assert.deepEqual(sketchKeysOfHour(-1).slice(1, 3), [{ level: '6h', start: -1 }, { level: 'day', start: -1 }]);
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
    // Nor does a run of 6 hour keys make a whole block, nor 4 blocks a whole day.
    for (let j = 0; j + 5 < keys.length; j++) {
      const run = keys.slice(j, j + 6);
      assert.ok(!(run.every((k) => k.level === 'hour') && run[0]!.start % 6 === 0 && run[5]!.start === run[0]!.start + 5), 'six hours would have been one 6h sketch');
    }
    for (let j = 0; j + 3 < keys.length; j++) {
      const run = keys.slice(j, j + 4);
      assert.ok(!(run.every((k) => k.level === '6h') && run[0]!.start % 4 === 0 && run[3]!.start === run[0]!.start + 3), 'four blocks would have been one day sketch');
    }
  }
});
