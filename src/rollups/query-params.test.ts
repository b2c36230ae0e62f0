import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../core/errors.js';
import { parseParams, parseTime, resolveTimeFrame } from './query-params.js';

const NOW = Date.parse('2024-05-10T12:34:00Z');

function refused(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, String(err));
    return err;
  }
  assert.fail('expected a SluiceError');
}

test('bad parameters are 400s that name the parameter', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ['count', { interval: 'minute' }, 'interval', 'invalid_field'],
    ['count', { type: 'click' }, 'type', 'invalid_field'],
    ['count', { since: 'yesterday' }, 'since', 'invalid_field'],
    ['count', { compare: 'last-year' }, 'compare', 'invalid_field'],
    ['count', { evnet: 'x' }, 'evnet', 'invalid_field'],
    ['top-pages', { limit: '0' }, 'limit', 'invalid_field'],
    ['top-pages', { limit: 'ten' }, 'limit', 'invalid_field'],
    ['top-pages', { limit: '1001' }, 'limit', 'invalid_field'],
    ['breakdown', { event: 'Order Completed' }, 'property', 'missing_field'],
    ['breakdown', { property: 'plan' }, 'event', 'missing_field'],
  ];
  for (const [kind, query, field, code] of cases) {
    const err = refused(() => parseParams(kind as 'count', query));
    assert.equal(err.field, field, `${kind} ${JSON.stringify(query)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, 400);
    assert.match(err.message, new RegExp(field));
  }
});

test('good parameters parse, limit as a number', () => {
  assert.deepEqual(parseParams('top-pages', { limit: '25', since: '30d', tz: 'Europe/Paris' }), { limit: 25, since: '30d', tz: 'Europe/Paris' });
  assert.deepEqual(parseParams('uniques', {}), {});
});

test('times: ISO, now, or a duration ago', () => {
  assert.equal(parseTime('24h', 0, NOW, 'since'), NOW - 24 * 3_600_000);
  assert.equal(parseTime('30m', 0, NOW, 'since'), NOW - 30 * 60_000);
  assert.equal(parseTime('7d', 0, NOW, 'since'), NOW - 7 * 86_400_000);
  assert.equal(parseTime('2w', 0, NOW, 'since'), NOW - 14 * 86_400_000);
  assert.equal(parseTime('now', 0, NOW, 'until'), NOW);
  assert.equal(parseTime('2024-05-01T00:00:00+02:00', 0, NOW, 'since'), Date.parse('2024-04-30T22:00:00Z'));
  assert.equal(parseTime(undefined, 42, NOW, 'since'), 42);
  assert.equal(refused(() => parseTime('2024-13-45', 0, NOW, 'until')).field, 'until');
});

test('the time frame: default 7 days by day, hours up to 48 hours, ranges checked', () => {
  const week = resolveTimeFrame({}, NOW);
  assert.equal(week.interval, 'day');
  assert.equal(week.periods.length, 8, 'seven days back from mid-day touches eight days');
  assert.equal(resolveTimeFrame({ since: '48h' }, NOW).interval, 'hour');
  assert.equal(resolveTimeFrame({ since: '49h' }, NOW).interval, 'day');
  assert.equal(resolveTimeFrame({ since: '24h', compare: 'previous' }, NOW).previous!.length, 25);
  assert.equal(refused(() => resolveTimeFrame({ since: '1h', until: '2h' }, NOW)).field, 'since');
  assert.equal(refused(() => resolveTimeFrame({ since: '2000d' }, NOW)).field, 'since');
  assert.equal(refused(() => resolveTimeFrame({ since: '1000d', interval: 'hour' }, NOW)).field, 'interval');
  assert.equal(refused(() => resolveTimeFrame({ tz: 'Europe/Atlantis' }, NOW)).field, 'tz');
  assert.equal(resolveTimeFrame({ tz: 'Asia/Kolkata' }, NOW).exactEdges, false);
  assert.equal(resolveTimeFrame({ tz: 'America/New_York' }, NOW).exactEdges, true);
});
