// Identity on NATS JetStream: a real `sluice start` with `log.backend: nats` (a stream of its own on the shared NATS
// server, deleted afterwards) stitches an anonymous session and a sign-up into one profile whose timeline holds the
// events, read back from the stream; deleting the person deletes their events from the stream. Without NATS these
// are skipped loudly (failed in CI).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admin, settledProfile, startConfigured, until } from '../helpers/configured-server.js';
import { startFakeApi } from '../helpers/fake-api.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { sendWithSdk } from '../helpers/segment-sdk.js';
import { allEvents } from '../helpers/server-process.js';

const skip = await natsSkip();

describe('identity with log.backend: nats', () => {
  it('an anonymous page and a sign-up identify make one profile with both ids and both events', skip, async (t) => {
    const stream = uniqueStream('SLUICE_E2E_ID');
    t.after(() => deleteNatsStreams(stream));
    // A destination that refuses everything: each event is also kept as a dead letter, in the stream's dead-letter
    // stream, which deleting the person must erase too.
    const crm = await startFakeApi(() => ({ status: 400, body: { error: 'rejected by the CRM' } }));
    t.after(() => crm.close());
    const server = await startConfigured(`log: { backend: nats, nats: { url: "${NATS_URL}", stream: ${stream} } }
destinations:
  - { name: crm, type: webhook, url: "${crm.url}/hook", batch_format: json_array, batch: { max_events: 1, max_wait_ms: 10 } }
`);
    t.after(async () => void (await server.stop()));

    await sendWithSdk(server, (a) => {
      a.page({ messageId: 'n-page', anonymousId: 'anon-nats', name: 'Home', timestamp: new Date(Date.now() - 60_000) });
      a.identify({ messageId: 'n-identify', anonymousId: 'anon-nats', userId: 'user-nats', traits: { plan: 'pro' } });
    });

    const byAnon = await settledProfile(server, 'anon-nats');
    assert.equal(byAnon.status, 200, JSON.stringify(byAnon.body));
    const byUser = await settledProfile(server, 'user-nats');
    assert.deepEqual(byAnon.body.profile, byUser.body.profile, 'the anonymousId and the userId name the same profile');
    assert.deepEqual(byUser.body.profile.user_ids, ['user-nats']);
    assert.deepEqual(byUser.body.profile.anonymous_ids, ['anon-nats']);
    assert.deepEqual(byUser.body.profile.traits, { plan: 'pro' });
    assert.deepEqual(byUser.body.events.map((e) => e.event.messageId), ['n-identify', 'n-page'], 'the timeline, newest first, read from the stream');

    // Someone else's event stays; the person's go from the stream, and so does their profile.
    await sendWithSdk(server, (a) => a.track({ messageId: 'n-other', userId: 'user-other', event: 'Viewed' }));
    const deadLetters = (): Promise<{ body: { dead_letters: { event: { messageId: string } }[] } }> => admin(server, '/api/v1/destinations/crm/dead-letters?limit=100');
    await until('the CRM refused every event into dead letters', deadLetters, (r) => r.body.dead_letters.length === 3);
    const deleted = await admin<{ deleted: { events: number; dead_letters: number; user_ids: string[]; anonymous_ids: string[] } }>(server, '/api/v1/profiles/anon-nats', 'DELETE');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.deleted, { ...deleted.body.deleted, user_ids: ['user-nats'], anonymous_ids: ['anon-nats'], events: 2, dead_letters: 2 });
    assert.deepEqual((await deadLetters()).body.dead_letters.map((d) => d.event.messageId), ['n-other'], "the person's dead letters are erased, the other's kept");
    assert.deepEqual((await allEvents(server)).map((e) => e.event.messageId), ['n-other'], 'only the other person is left in the stream');
    assert.equal((await admin(server, '/api/v1/profiles/user-nats')).status, 404);
  });
});
