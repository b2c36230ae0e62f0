// Deleting a person against a real `sluice start`: afterwards no API returns a trace of them (profile, events
// listing, rollup counts and breakdowns, dead letters, reject samples, the live tail), and their new events are
// dropped at ingest and counted as suppressed. Also: fields named in privacy.hash_fields are stored hashed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startFakeApi } from '../helpers/fake-api.js';
import { allEvents, type ServerProcess } from '../helpers/server-process.js';
import { admin, browserBatch, restartConfigured, settledProfile, startConfigured, until } from '../helpers/configured-server.js';
import { sendWithSdk } from '../helpers/segment-sdk.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DAY = 'since=2026-02-01T00:00:00Z&until=2026-02-02T00:00:00Z&interval=day';
// Several whole days, in UTC and in a zone whose days straddle UTC days: the counters' daily rows and edge hours are read.
const WEEKS = ['since=2026-01-29T00:00:00Z&until=2026-02-05T00:00:00Z&interval=day', 'since=2026-01-29T05:00:00Z&until=2026-02-05T05:00:00Z&interval=day&tz=America/New_York'];
const AT = (h: number): Date => new Date(Date.parse('2026-02-01T00:00:00Z') + h * 3_600_000);

/** Every string any admin API answers about the log, joined: where a trace of a person would show. */
async function everything(server: ServerProcess): Promise<string> {
  const parts = [
    JSON.stringify(await allEvents(server)),
    JSON.stringify((await admin(server, '/api/v1/destinations/crm/dead-letters?limit=1000')).body),
    JSON.stringify((await admin(server, '/api/v1/rejects?limit=1000')).body),
    JSON.stringify((await admin(server, `/api/v1/query/breakdown?event=Order%20Completed&property=customer&${DAY}`)).body),
    JSON.stringify((await admin(server, `/api/v1/query/top-events?${DAY}`)).body),
    ...(await Promise.all(WEEKS.map(async (w) => JSON.stringify((await admin(server, `/api/v1/query/breakdown?event=Order%20Completed&property=customer&${w}`)).body)))),
  ];
  return parts.join('\n');
}

test('a deleted person leaves no trace in any API, and their new events are dropped and counted as suppressed', async (t) => {
  const crm = await startFakeApi(() => ({ status: 400, body: { error: 'rejected by the CRM' } }));
  t.after(() => crm.close());
  let server = await startConfigured(`
rollups:
  breakdowns: [{ event: Order Completed, property: customer }]
privacy:
  hash_fields: [traits.email]
destinations:
  - { name: crm, type: webhook, url: "${crm.url}/hook", batch_format: json_array, batch: { max_events: 1, max_wait_ms: 10 } }
`);
  t.after(async () => void (await server.stop()));

  await browserBatch(server, [
    { type: 'page', messageId: 'ada-page', anonymousId: 'anon-ada', name: 'Pricing', timestamp: AT(1).toISOString() },
    { type: 'identify', messageId: 'ada-identify', anonymousId: 'anon-ada', userId: 'user-ada', traits: { email: 'ada@example.com' }, timestamp: AT(2).toISOString() },
  ]);
  await sendWithSdk(server, (a) => {
    a.track({ messageId: 'ada-order', userId: 'user-ada', event: 'Order Completed', properties: { customer: 'user-ada', revenue: 30 }, timestamp: AT(3) });
    a.track({ messageId: 'bob-order', userId: 'user-bob', event: 'Order Completed', properties: { customer: 'user-bob', revenue: 20 }, timestamp: AT(4) });
  });
  // A refused call naming Ada: its sample is kept in the reject log.
  const bad = await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: server.writeKey, userId: 'user-ada', properties: {} }) });
  assert.equal(bad.status, 400);

  // Before: Ada is everywhere, and her email is stored only as its salted hash.
  const ada = await settledProfile(server, 'anon-ada');
  assert.deepEqual(ada.body.profile.user_ids, ['user-ada']);
  assert.match(String(ada.body.profile.traits.email), /^[0-9a-f]{64}$/, 'traits.email is stored hashed');
  await until('the rollups counted everything', () => admin<{ position: number; head: number }>(server, '/api/v1/query/status'), (r) => r.body.position >= r.body.head);
  await until('the CRM refused every event into dead letters', () => admin<{ dead_letters: unknown[] }>(server, '/api/v1/destinations/crm/dead-letters?limit=1000'), (r) => r.body.dead_letters.length === 4);
  await until('the reject is logged', () => admin<{ rejects: unknown[] }>(server, '/api/v1/rejects'), (r) => r.body.rejects.length === 1);
  const before = await everything(server);
  assert.ok(!before.includes('ada@example.com'), 'the clear email is nowhere');
  for (const id of ['user-ada', 'anon-ada']) assert.ok(before.includes(id), `${id} is visible before the deletion`);
  const counts = async (): Promise<number[]> =>
    Promise.all([DAY, ...WEEKS].map(async (range) => (await admin<{ total: number }>(server, `/api/v1/query/count?event=Order%20Completed&${range}`)).body.total));
  assert.deepEqual(await counts(), [2, 2, 2], 'one day, a UTC week and a New York week');

  // Watch the live tail for Ada while she is deleted and while her devices keep sending.
  const tailAbort = new AbortController();
  const tail = await fetch(`${server.url}/api/v1/tail?user=user-ada&token=${server.adminToken}`, { signal: tailAbort.signal });
  let tailed = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of tail.body!) tailed += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch(() => {});

  const out = execFileSync(process.execPath, ['--import', 'tsx', CLI, 'profile', 'delete', 'anon-ada', '--url', server.url, '--token', server.adminToken], { encoding: 'utf8' });
  assert.match(out, /deleted 1 user id\(s\) and 1 anonymous id\(s\)/);
  assert.match(out, /events deleted: 3, dead letters: 3, reject samples: 1, taken out of rollup counters: 3/);

  // After: no API returns anything of Ada; Bob is untouched.
  for (const id of ['user-ada', 'anon-ada']) assert.equal((await admin(server, `/api/v1/profiles/${id}`)).status, 404, `no profile for ${id}`);
  const after = await everything(server);
  for (const id of ['user-ada', 'anon-ada', 'ada-page', 'ada-identify', 'ada-order']) assert.ok(!after.includes(id), `${id} is gone from every API`);
  assert.ok(after.includes('bob-order') && after.includes('user-bob'), 'Bob is still there');
  assert.deepEqual(await counts(), [1, 1, 1], 'the exact counters no longer count her order, over one day or several, in any zone');
  assert.deepEqual((await settledProfile(server, 'user-bob')).body.profile.user_ids, ['user-bob']);

  // Her devices keep sending: answered 200 (nothing to retry), dropped, counted.
  await browserBatch(server, [{ type: 'page', messageId: 'ada-late-page', anonymousId: 'anon-ada', name: 'Home' }]);
  await sendWithSdk(server, (a) => a.track({ messageId: 'ada-late-order', userId: 'user-ada', event: 'Order Completed', properties: { customer: 'user-ada' } }));
  await sendWithSdk(server, (a) => a.track({ messageId: 'bob-late', userId: 'user-bob', event: 'Viewed' }));
  const privacy = await until('the suppressed events are counted', () => admin<{ suppressed_ids: number; suppressed_events: number }>(server, '/api/v1/privacy'), (r) => r.body.suppressed_events >= 2);
  assert.deepEqual(privacy.body, { suppressed_ids: 2, suppressed_events: 2, refused_merges: 0 });
  assert.match(await (await fetch(`${server.url}/metrics`)).text(), /sluice_events_suppressed_total\{source="web"\} 2/);
  const events = await allEvents(server);
  assert.ok(events.some((e) => e.event.messageId === 'bob-late'), 'other people are still stored');
  assert.ok(!JSON.stringify(events).includes('ada'), 'nothing of hers was stored');
  assert.equal((await admin(server, '/api/v1/profiles/user-ada')).status, 404, 'and no profile came back');
  await new Promise((r) => setTimeout(r, 600)); // two tail polls
  tailAbort.abort();
  await reading;
  assert.ok(!tailed.includes('data:'), `the tail showed nothing of her: ${tailed}`);
  assert.ok(!(await everything(server)).includes('ada-late'), 'no late event anywhere');

  // Suppression and its count survive a restart.
  server = await restartConfigured(server);
  await sendWithSdk(server, (a) => a.identify({ messageId: 'ada-after-restart', userId: 'user-ada', traits: { plan: 'pro' } }));
  const later = await until('the third suppressed event is counted', () => admin<{ suppressed_events: number }>(server, '/api/v1/privacy'), (r) => r.body.suppressed_events >= 3);
  assert.equal(later.body.suppressed_events, 3);
  assert.ok(!JSON.stringify(await allEvents(server)).includes('ada'), 'nothing of hers was stored after the restart');
});
