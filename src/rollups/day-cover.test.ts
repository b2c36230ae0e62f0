import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverWithDays, HOURS_PER_DAY } from './day-cover.js';

/** How many times each hour of [0, span) is counted by the cover: days and added hours +1, subtracted hours −1. */
function weights(from: number, to: number, subtract: boolean, span: number): number[] {
  const w = new Array<number>(span).fill(0);
  const c = coverWithDays(from, to, subtract);
  for (let d = c.days.from; d < c.days.to; d++) for (let h = d * HOURS_PER_DAY; h < (d + 1) * HOURS_PER_DAY; h++) w[h]!++;
  for (const r of c.plus) for (let h = r.from; h < r.to; h++) w[h]!++;
  for (const r of c.minus) for (let h = r.from; h < r.to; h++) w[h]!--;
  return w;
}

function hourlyRead(from: number, to: number, subtract: boolean): number {
  const c = coverWithDays(from, to, subtract);
  return [...c.plus, ...c.minus].reduce((a, r) => a + r.to - r.from, 0);
}

test('every run of hours over four days is covered exactly once, with and without subtraction', () => {
  const span = 5 * HOURS_PER_DAY;
  for (const subtract of [false, true]) {
    for (let from = 0; from < 4 * HOURS_PER_DAY; from++) {
      for (let to = from + 1; to <= 4 * HOURS_PER_DAY + 1; to++) {
        const w = weights(from, to, subtract, span);
        w.forEach((n, h) => assert.equal(n, h >= from && h < to ? 1 : 0, `[${from}, ${to}) subtract=${subtract}: hour ${h} counted ${n} times`));
        assert.ok(hourlyRead(from, to, subtract) <= 2 * (subtract ? HOURS_PER_DAY / 2 : HOURS_PER_DAY - 1), `[${from}, ${to}) reads too many hours`);
      }
    }
  }
});

test('whole UTC days read no hours; a New York month reads its edge hours, or the day less the hours outside', () => {
  assert.deepEqual(coverWithDays(48, 48 + 30 * 24, true), { days: { from: 2, to: 32 }, plus: [], minus: [] });
  // 05:00 UTC to 05:00 UTC 30 days later: 19 + 5 hours added, or 5 + 5 hours subtracted or added.
  assert.deepEqual(coverWithDays(5, 5 + 30 * 24, false), { days: { from: 1, to: 30 }, plus: [{ from: 5, to: 24 }, { from: 720, to: 725 }], minus: [] });
  assert.deepEqual(coverWithDays(5, 5 + 30 * 24, true), { days: { from: 0, to: 30 }, plus: [{ from: 720, to: 725 }], minus: [{ from: 0, to: 5 }] });
  // Inside one day: its hours, or the whole day less the two ends.
  assert.deepEqual(coverWithDays(26, 30, true), { days: { from: 0, to: 0 }, plus: [{ from: 26, to: 30 }], minus: [] });
  assert.deepEqual(coverWithDays(25, 47, true), { days: { from: 1, to: 2 }, plus: [], minus: [{ from: 24, to: 25 }, { from: 47, to: 48 }] });
  assert.deepEqual(coverWithDays(25, 47, false), { days: { from: 0, to: 0 }, plus: [{ from: 25, to: 47 }], minus: [] });
  assert.deepEqual(coverWithDays(10, 10, true), { days: { from: 0, to: 0 }, plus: [], minus: [] });
});
