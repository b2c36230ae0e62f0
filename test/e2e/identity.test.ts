// Identity stitching against a real `sluice start`: the browser tracker's anonymous session, a sign-up identify and
// server-side calls from @segment/analytics-node become one profile; a blocked id never merges two people; the
// userId limit refuses a mass merge through a shared anonymousId.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { ServerProcess } from '../helpers/server-process.js';
import { admin, browserBatch, settledProfile, startConfigured, until } from '../helpers/configured-server.js';
import { sendWithSdk } from '../helpers/segment-sdk.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
let server: ServerProcess;

before(async () => {
  server = await startConfigured('identity: { max_user_ids_per_profile: 2 }\n');
});
after(async () => {
  assert.equal(await server.stop(), 0, `graceful stop exits 0; output:\n${server.output()}`);
});

test('an anonymous browser session, a sign-up and server-side events make one profile with every event', async () => {
  const t0 = Date.parse('2026-01-10T09:00:00Z');
  const at = (min: number): string => new Date(t0 + min * 60_000).toISOString();
  await browserBatch(server, [
    { type: 'page', messageId: 'b-page-1', anonymousId: 'anon-ada', name: 'Home', properties: { path: '/' }, timestamp: at(0) },
    { type: 'track', messageId: 'b-track-1', anonymousId: 'anon-ada', event: 'Pricing Viewed', timestamp: at(1) },
    { type: 'page', messageId: 'b-page-2', anonymousId: 'anon-ada', name: 'Sign up', properties: { path: '/signup' }, timestamp: at(2) },
  ]);
  // Sign-up: the tracker's identify carries the anonymousId and the new userId.
  await browserBatch(server, [{ type: 'identify', messageId: 'b-identify', anonymousId: 'anon-ada', userId: 'user-ada', traits: { email: 'ada@example.com', plan: 'free' }, timestamp: at(3) }]);
  await sendWithSdk(server, (a) => {
    a.track({ messageId: 's-track-1', userId: 'user-ada', event: 'Account Created', timestamp: new Date(t0 + 4 * 60_000) });
    a.identify({ messageId: 's-identify', userId: 'user-ada', traits: { plan: 'pro', employer: 'Analytical Engines' }, timestamp: new Date(t0 + 5 * 60_000) });
    // An older identify that arrives late does not overwrite the newer plan: last write wins by event time.
    a.identify({ messageId: 's-identify-old', userId: 'user-ada', traits: { plan: 'trial' }, timestamp: new Date(t0 + 3.5 * 60_000) });
    a.track({ messageId: 's-track-2', userId: 'user-ada', event: 'Order Completed', properties: { revenue: 10 }, timestamp: new Date(t0 + 6 * 60_000) });
  });

  const byAnon = await settledProfile(server, 'anon-ada');
  const byUser = await settledProfile(server, 'user-ada');
  assert.deepEqual(byAnon.body.profile, byUser.body.profile, 'the anonymousId and the userId name the same profile');
  const p = byUser.body.profile;
  assert.equal(p.id, 'user-ada');
  assert.deepEqual(p.user_ids, ['user-ada']);
  assert.deepEqual(p.anonymous_ids, ['anon-ada']);
  assert.deepEqual(p.traits, { email: 'ada@example.com', plan: 'pro', employer: 'Analytical Engines' });
  // Times are skew-corrected (receivedAt − (sentAt − timestamp)): equal to the sent ones give or take the trip.
  assert.ok(Math.abs(Date.parse(p.first_seen) - Date.parse(at(0))) < 5_000, `first seen ${p.first_seen} is the first page view`);
  assert.ok(Math.abs(Date.parse(p.last_seen) - Date.parse(at(6))) < 5_000, `last seen ${p.last_seen} is the order`);
  const timeline = byUser.body.events.map((e) => e.event.messageId);
  assert.deepEqual(
    [...timeline].sort(),
    ['b-identify', 'b-page-1', 'b-page-2', 'b-track-1', 's-identify', 's-identify-old', 's-track-1', 's-track-2'],
    'every browser and server event is in the one timeline',
  );
  assert.deepEqual(byUser.body.events.map((e) => e.seq), [...byUser.body.events.map((e) => e.seq)].sort((x, y) => y - x), 'newest first');

  const out = execFileSync(process.execPath, ['--import', 'tsx', CLI, 'profile', 'anon-ada', '--url', server.url, '--token', server.adminToken], { encoding: 'utf8' });
  assert.match(out, /profile user-ada/);
  assert.match(out, /anonymous ids: +anon-ada/);
  assert.match(out, /plan: "pro"/);
  assert.match(out, /Order Completed/);
});

test('a blocked anonymousId shared by two people never merges them', async () => {
  await sendWithSdk(server, (a) => {
    a.identify({ messageId: 'blk-1', userId: 'user-bob', anonymousId: 'undefined', traits: { name: 'Bob' } });
    a.identify({ messageId: 'blk-2', userId: 'user-cy', anonymousId: 'undefined', traits: { name: 'Cy' } });
    a.track({ messageId: 'blk-3', userId: 'user-cy', anonymousId: 'null', event: 'Clicked' });
  });
  await browserBatch(server, [{ type: 'identify', messageId: 'blk-4', anonymousId: '[object Object]', userId: 'user-bob' }]);
  const bob = await settledProfile(server, 'user-bob');
  const cy = await settledProfile(server, 'user-cy');
  assert.deepEqual(bob.body.profile.user_ids, ['user-bob']);
  assert.deepEqual(bob.body.profile.anonymous_ids, [], 'blocked values are not ids');
  assert.deepEqual(bob.body.profile.traits, { name: 'Bob' });
  assert.deepEqual(cy.body.profile.user_ids, ['user-cy']);
  assert.deepEqual(cy.body.profile.traits, { name: 'Cy' });
  assert.deepEqual(bob.body.events.map((e) => e.event.messageId).sort(), ['blk-1', 'blk-4']);
  assert.equal((await admin(server, '/api/v1/profiles/undefined')).status, 404, 'a blocked value names no profile');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sluice_identity_blocked_ids_total [4-9]/);
});

test('the userId limit refuses a mass merge through a shared anonymousId', async () => {
  const refusedBefore = (await admin<{ refused_merges: number }>(server, '/api/v1/privacy')).body.refused_merges;
  // A kiosk's one anonymousId signs in three people, one after the other; the limit here is 2 userIds per profile.
  await sendWithSdk(server, (a) => {
    for (const [i, u] of ['user-k1', 'user-k2', 'user-k3', 'user-k4'].entries()) {
      a.identify({ messageId: `kiosk-${i}`, userId: u, anonymousId: 'kiosk-device', timestamp: new Date(Date.now() - (10 - i) * 1000) });
    }
  });
  const first = await settledProfile(server, 'kiosk-device');
  assert.deepEqual(first.body.profile.user_ids, ['user-k1', 'user-k2'], 'merged up to the limit, no further');
  for (const u of ['user-k3', 'user-k4']) {
    const other = await settledProfile(server, u);
    assert.deepEqual(other.body.profile.user_ids, [u], `${u} stays a person of their own`);
    assert.deepEqual(other.body.profile.anonymous_ids, []);
  }
  const refused = await until('two refusals are counted', () => admin<{ refused_merges: number }>(server, '/api/v1/privacy'), (r) => r.body.refused_merges >= refusedBefore + 2);
  assert.equal(refused.body.refused_merges, refusedBefore + 2);
  assert.match(await (await fetch(`${server.url}/metrics`)).text(), /sluice_identity_merges_refused_total 2/);
  assert.match(server.output(), /identity merge refused/);
});

test('alias joins a previous anonymousId to a userId; an unknown id is a clear 404', async () => {
  await sendWithSdk(server, (a) => {
    a.track({ messageId: 'al-1', anonymousId: 'anon-dee', event: 'Viewed' });
    a.alias({ messageId: 'al-2', previousId: 'anon-dee', userId: 'user-dee' });
  });
  const dee = await settledProfile(server, 'anon-dee');
  assert.deepEqual(dee.body.profile.user_ids, ['user-dee']);
  assert.deepEqual(dee.body.events.map((e) => e.event.messageId).sort(), ['al-1', 'al-2']);
  const missing = await admin<{ error: { code: string; message: string } }>(server, '/api/v1/profiles/nobody-at-all');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  assert.match(missing.body.error.message, /no profile holds the id "nobody-at-all"/);
  const unauthorized = await fetch(`${server.url}/api/v1/profiles/user-dee`);
  assert.equal(unauthorized.status, 401);
});
