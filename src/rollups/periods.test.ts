import assert from 'node:assert/strict';
import { test } from 'node:test';
import { edgesAreExact, HOUR_MS, type Interval, type Period, periodsBefore, periodsCovering } from './periods.js';
import { timeZone } from './time-zone.js';

const H = (iso: string): number => Date.parse(iso) / HOUR_MS;
const hours = (p: Period): number => p.to - p.from;

/** The local calendar date of an instant, straight from Intl: an independent check of the offset arithmetic. */
function localDate(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

test('offsets follow the tz database, DST included', () => {
  assert.equal(timeZone('UTC').offsetMinutes(Date.parse('2024-07-01T00:00:00Z')), 0);
  assert.equal(timeZone('America/New_York').offsetMinutes(Date.parse('2024-01-15T12:00:00Z')), -300);
  assert.equal(timeZone('America/New_York').offsetMinutes(Date.parse('2024-07-15T12:00:00Z')), -240);
  assert.equal(timeZone('Asia/Kolkata').offsetMinutes(Date.parse('2024-07-15T12:00:00Z')), 330);
  assert.equal(timeZone('Asia/Kathmandu').offsetMinutes(Date.parse('2024-07-15T12:00:00Z')), 345);
  // The switch itself: 2024-03-10 07:00 UTC is 03:00 EDT; a minute before it was 01:59 EST.
  assert.equal(timeZone('America/New_York').offsetMinutes(Date.parse('2024-03-10T06:59:00Z')), -300);
  assert.equal(timeZone('America/New_York').offsetMinutes(Date.parse('2024-03-10T07:00:00Z')), -240);
  assert.throws(() => timeZone('Mars/Olympus_Mons'), RangeError);
});

test('hours in UTC: a range is widened to whole hours', () => {
  const p = periodsCovering(Date.parse('2024-05-01T10:20:00Z'), Date.parse('2024-05-01T13:10:00Z'), 'hour', timeZone('UTC'));
  assert.deepEqual(
    p.map((x) => x.t),
    ['2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z', '2024-05-01T13:00:00Z'],
  );
  assert.deepEqual([p[0]!.from, p[3]!.to], [H('2024-05-01T10:00:00Z'), H('2024-05-01T14:00:00Z')]);
});

test('a range that ends on an hour edge does not take the next hour', () => {
  const p = periodsCovering(Date.parse('2024-05-01T10:00:00Z'), Date.parse('2024-05-01T12:00:00Z'), 'hour', timeZone('UTC'));
  assert.equal(p.length, 2);
});

test('New York days across DST: 23 hours in March, 25 in November, each starting at local midnight', () => {
  const ny = timeZone('America/New_York');
  const spring = periodsCovering(Date.parse('2024-03-09T12:00:00Z'), Date.parse('2024-03-11T12:00:00Z'), 'day', ny);
  assert.deepEqual(spring.map((p) => [p.t, hours(p)]), [
    ['2024-03-09T00:00:00-05:00', 24],
    ['2024-03-10T00:00:00-05:00', 23],
    ['2024-03-11T00:00:00-04:00', 24],
  ]);
  assert.equal(spring[1]!.from, H('2024-03-10T05:00:00Z'), 'local midnight is 05:00 UTC in winter');
  const fall = periodsCovering(Date.parse('2024-11-03T12:00:00Z'), Date.parse('2024-11-03T13:00:00Z'), 'day', ny);
  assert.deepEqual(fall.map((p) => [p.t, hours(p)]), [['2024-11-03T00:00:00-04:00', 25]]);
});

test('hours in a DST zone are UTC hours shown in local time', () => {
  const p = periodsCovering(Date.parse('2024-03-10T05:00:00Z'), Date.parse('2024-03-10T09:00:00Z'), 'hour', timeZone('America/New_York'));
  assert.deepEqual(
    p.map((x) => x.t),
    ['2024-03-10T00:00:00-05:00', '2024-03-10T01:00:00-05:00', '2024-03-10T03:00:00-04:00', '2024-03-10T04:00:00-04:00'],
  );
});

test('weeks start on Monday; months follow the local calendar', () => {
  const paris = timeZone('Europe/Paris');
  const week = periodsCovering(Date.parse('2024-03-06T12:00:00Z'), Date.parse('2024-03-06T13:00:00Z'), 'week', paris);
  assert.deepEqual(week.map((p) => [p.t, hours(p)]), [['2024-03-04T00:00:00+01:00', 7 * 24]]);
  const months = periodsCovering(Date.parse('2024-02-10T00:00:00Z'), Date.parse('2024-03-10T00:00:00Z'), 'month', paris);
  assert.deepEqual(months.map((p) => [p.t, hours(p)]), [
    ['2024-02-01T00:00:00+01:00', 29 * 24],
    ['2024-03-01T00:00:00+01:00', 31 * 24 - 1],
  ]);
  assert.equal(months[0]!.from, H('2024-01-31T23:00:00Z'));
});

test('zones with half-hour offsets: edges rounded to the hour holding local midnight at its middle, and said so', () => {
  const kolkata = timeZone('Asia/Kolkata');
  const [day] = periodsCovering(Date.parse('2024-05-02T06:00:00Z'), Date.parse('2024-05-02T07:00:00Z'), 'day', kolkata);
  assert.equal(day!.t, '2024-05-02T00:00:00+05:30');
  // Local midnight is 18:30 UTC; the 18:00–19:00 bucket's middle is exactly midnight, so the day starts with it.
  assert.deepEqual([day!.from, day!.to], [H('2024-05-01T18:00:00Z'), H('2024-05-02T18:00:00Z')]);
  assert.equal(edgesAreExact(day!.from, day!.to, 'day', kolkata), false);
  assert.equal(edgesAreExact(day!.from, day!.to, 'hour', kolkata), true);
  assert.equal(edgesAreExact(day!.from, day!.to, 'day', timeZone('America/New_York')), true);
  // Lord Howe is +10:30 in winter and +11:00 in summer (its DST moves by 30 minutes).
  const lordHowe = timeZone('Australia/Lord_Howe');
  assert.equal(edgesAreExact(H('2024-07-01T00:00:00Z'), H('2024-07-03T00:00:00Z'), 'day', lordHowe), false);
  assert.equal(edgesAreExact(H('2024-01-01T00:00:00Z'), H('2024-01-03T00:00:00Z'), 'day', lordHowe), true);
});

test('property: in half- and quarter-hour zones, a day starts within 30 minutes of local midnight', () => {
  for (const zone of ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns', 'Pacific/Chatham']) {
    const tz = timeZone(zone);
    for (const p of periodsCovering(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-12-31T00:00:00Z'), 'day', tz)) {
      const start = p.from * HOUR_MS;
      const midnight = Date.parse(`${p.t.slice(0, 10)}T00:00:00Z`) - tz.offsetMinutes(start + HOUR_MS / 2) * 60_000;
      assert.ok(Math.abs(start - midnight) <= HOUR_MS / 2, `${zone} ${p.t}: starts at ${new Date(start).toISOString()}`);
      assert.equal(localDate(start + HOUR_MS / 2, zone), p.t.slice(0, 10), `${zone} ${p.t}: its first hour's middle is that day`);
    }
  }
});

test('property: periods are contiguous, hold the range, and every hour is in its local day (whole-hour zones)', () => {
  const rand = random(2024);
  const zones = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Santiago', 'Pacific/Auckland', 'Asia/Tokyo'];
  const intervals: Interval[] = ['hour', 'day', 'week', 'month'];
  const start = Date.parse('2023-01-01T00:00:00Z');
  for (let i = 0; i < 120; i++) {
    const zone = zones[i % zones.length]!;
    const interval = intervals[Math.floor(rand() * intervals.length)]!;
    const since = start + Math.floor(rand() * 700 * 24) * HOUR_MS + Math.floor(rand() * HOUR_MS);
    const until = since + 1 + Math.floor(rand() * (interval === 'hour' ? 72 : 60 * 24)) * HOUR_MS;
    const periods = periodsCovering(since, until, interval, timeZone(zone));
    const what = `${zone} ${interval} ${new Date(since).toISOString()}..${new Date(until).toISOString()}`;
    assert.ok(periods[0]!.from <= Math.floor(since / HOUR_MS) && periods.at(-1)!.to > Math.floor((until - 1) / HOUR_MS), `${what}: covers the range`);
    for (let j = 1; j < periods.length; j++) assert.equal(periods[j]!.from, periods[j - 1]!.to, `${what}: contiguous`);
    for (const p of periods) assert.ok(p.to > p.from, `${what}: no empty period`);
    if (interval !== 'day') continue;
    // The first and last hour of each day, and the hours either side, checked against Intl.
    for (const p of periods) {
      for (const h of [p.from, p.to - 1]) assert.equal(localDate(h * HOUR_MS, zone), p.t.slice(0, 10), `${what}: hour ${new Date(h * HOUR_MS).toISOString()} in ${p.t}`);
      assert.notEqual(localDate((p.from - 1) * HOUR_MS, zone), p.t.slice(0, 10), `${what}: the hour before ${p.t} is another day`);
      assert.notEqual(localDate(p.to * HOUR_MS, zone), p.t.slice(0, 10), `${what}: the hour after ${p.t} is another day`);
    }
  }
});

test('compare=previous: the same number of whole periods just before', () => {
  const ny = timeZone('America/New_York');
  const current = periodsCovering(Date.parse('2024-03-12T12:00:00Z'), Date.parse('2024-03-13T12:00:00Z'), 'day', ny);
  const before = periodsBefore(current[0]!.from, current.length, 'day', ny);
  assert.deepEqual(before.map((p) => [p.t, hours(p)]), [
    ['2024-03-10T00:00:00-05:00', 23],
    ['2024-03-11T00:00:00-04:00', 24],
  ]);
  assert.equal(before.at(-1)!.to, current[0]!.from);
  const months = periodsBefore(H('2024-03-01T00:00:00Z'), 2, 'month', timeZone('UTC'));
  assert.deepEqual(months.map((p) => [p.t, hours(p)]), [
    ['2024-01-01T00:00:00Z', 31 * 24],
    ['2024-02-01T00:00:00Z', 29 * 24],
  ]);
});
