// Mixpanel's ingestion API played by a local server; the reply bodies are the ones its documentation shows.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Destination, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { JsonObject } from '../../core/event.js';
import { closedPortUrl, type FakeApi, type FakeHandler, type RecordedRequest, startFakeApi, testContext } from '../../../test/helpers/fake-api.js';
import { create, schema, type } from './index.js';

const servers: FakeApi[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup(handler: FakeHandler, options: JsonObject = {}): Promise<{ api: FakeApi; destination: Destination }> {
  const api = await startFakeApi(handler);
  servers.push(api);
  const config = schema.parse({ project_token: 'mp-token', endpoint: `${api.url}/import`, timeout_ms: 2000, ...options });
  return { api, destination: create(config, testContext()) };
}

function event(i: number, extra: JsonObject = {}): OutgoingEvent {
  const messageId = `msg-${i}`;
  return {
    seq: i + 1,
    messageId,
    source: 'web',
    doc: {
      type: 'track',
      event: `Event ${i}`,
      messageId,
      userId: `user-${i}`,
      properties: { n: i },
      context: {},
      timestamp: '2024-06-01T12:00:00.000Z',
      receivedAt: '2024-06-01T12:00:01.000Z',
      ...extra,
    },
  };
}

const batchOf = (n: number): OutgoingEvent[] => Array.from({ length: n }, (_, i) => event(i));
const send = (d: Destination, batch: readonly OutgoingEvent[]): Promise<SendResult> => d.send(batch, new AbortController().signal);
const insertIds = (r: RecordedRequest): string[] => (r.json as { properties: JsonObject }[]).map((e) => e.properties.$insert_id as string);
const failuresOf = (r: SendResult) => {
  assert.equal(r.kind, 'partial');
  return r.kind === 'partial' ? r.failures.map((f) => ({ index: f.index, permanent: f.permanent })) : [];
};

describe('mixpanel send', () => {
  it('exports its type and limits', async () => {
    const { destination } = await setup(() => ({}));
    assert.equal(type, 'mixpanel');
    assert.equal(destination.maxBatchEvents, 2000);
    assert.ok(destination.maxBatchBytes < 2_000_000 && destination.maxBatchBytes > 1_900_000);
  });

  it('200: posts a JSON array to /import?strict=1 with the project token as Basic auth user', async () => {
    const { api, destination } = await setup(() => ({ body: { code: 200, num_records_imported: 2, status: 'OK' } }));
    const result = await send(destination, batchOf(2));
    assert.equal(result.kind, 'ok');
    const [request] = api.requests as [RecordedRequest];
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/import?strict=1');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('mp-token:').toString('base64')}`);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(
      request.json,
      [0, 1].map((i) => ({
        event: `Event ${i}`,
        properties: { n: i, $user_id: `user-${i}`, time: Date.parse('2024-06-01T12:00:00.000Z'), distinct_id: `user-${i}`, $insert_id: `msg-${i}` },
      })),
    );
  });

  it('400 with failed_records (the documented body): those fail for good, the valid ones were imported, no resend', async () => {
    const { api, destination } = await setup(() => ({
      status: 400,
      body: {
        code: 400,
        error: 'some data points in the request failed validation',
        failed_records: [
          { index: 0, $insert_id: 'msg-0', field: 'properties.time', message: "properties.time' is invalid: must be specified as seconds since epoch" },
          { index: 3, $insert_id: 'msg-3', field: 'properties.utm_source', message: 'properties.utm_source is invalid: string should be valid utf8' },
        ],
        num_records_imported: 3,
        status: 'Bad Request',
      },
    }));
    const result = await send(destination, batchOf(5));
    assert.equal(api.requests.length, 1, 'Mixpanel asks not to retry validation errors');
    assert.deepEqual(failuresOf(result), [
      { index: 0, permanent: true },
      { index: 3, permanent: true },
    ]);
    assert.ok(result.kind === 'partial' && result.failures[0]?.reason.includes('properties.time'));
  });

  it('400 importing fewer than the valid ones: the valid ones are sent again later (deduplicated by $insert_id)', async () => {
    const { destination } = await setup(() => ({
      status: 400,
      body: { code: 400, failed_records: [{ index: 1, insert_id: 'msg-1', field: 'event', message: 'invalid' }], num_records_imported: 1, status: 'Bad Request' },
    }));
    assert.deepEqual(failuresOf(await send(destination, batchOf(3))), [
      { index: 0, permanent: false },
      { index: 1, permanent: true },
      { index: 2, permanent: false },
    ]);
  });

  it('401 (the documented body): fail', async () => {
    const { destination } = await setup(() => ({ status: 401, body: { code: 401, error: 'Invalid credentials', status: 'Unauthorized' } }));
    const result = await send(destination, batchOf(2));
    assert.equal(result.kind, 'fail');
  });

  it('413 (the documented body): halves the request, each event imported once', async () => {
    const imported: string[] = [];
    const { destination } = await setup((req) => {
      const ids = insertIds(req);
      if (ids.length > 3) return { status: 413, body: { code: 413, error: 'request exceeds max limit of 2097152 bytes', status: 'Request Entity Too Large' } };
      imported.push(...ids);
      return { body: { code: 200, num_records_imported: ids.length, status: 'OK' } };
    });
    assert.equal((await send(destination, batchOf(10))).kind, 'ok');
    assert.deepEqual(imported, Array.from({ length: 10 }, (_, i) => `msg-${i}`));
  });

  it('429 (the documented body): retry, after Retry-After when given', async () => {
    const limited = { code: 429, error: 'Project exceeded rate limits. Please retry the request with exponential backoff.', status: 'Too Many Requests' };
    const withHeader = await setup(() => ({ status: 429, body: limited, headers: { 'retry-after': '2' } }));
    const r1 = await send(withHeader.destination, batchOf(2));
    assert.ok(r1.kind === 'retry' && r1.retryAfterMs === 2000);
    const noHeader = await setup(() => ({ status: 429, body: limited }));
    const r2 = await send(noHeader.destination, batchOf(2));
    assert.ok(r2.kind === 'retry' && r2.retryAfterMs === undefined, 'the runner backs off');
  });

  for (const status of [500, 502, 503]) {
    it(`${status}: retry`, async () => {
      const { destination } = await setup(() => ({ status, body: 'unavailable' }));
      assert.equal((await send(destination, batchOf(1))).kind, 'retry');
    });
  }

  it('a reply slower than timeout_ms: retry', async () => {
    const { destination } = await setup(() => ({ delayMs: 1000, body: { code: 200 } }), { timeout_ms: 100 });
    const result = await send(destination, batchOf(1));
    assert.ok(result.kind === 'retry' && /timed out/.test(result.reason));
  });

  it('connection refused: retry', async () => {
    const config = schema.parse({ project_token: 't', endpoint: `${await closedPortUrl()}/import` });
    const result = await send(create(config, testContext()), batchOf(1));
    assert.ok(result.kind === 'retry' && /network error/.test(result.reason));
  });

  it('identify and group go to /engage and /groups; alias fails without a request', async () => {
    const { api, destination } = await setup(() => ({ body: { status: 1, error: null } }));
    const batch = [
      event(0),
      event(1, { type: 'identify', traits: { $email: 'a@example.com' }, context: { ip: '198.51.100.4' } }),
      event(2, { type: 'group', groupId: 'acme', traits: { name: 'Acme' } }),
      event(3, { type: 'alias', previousId: 'old' }),
    ];
    const result = await send(destination, batch);
    assert.deepEqual(failuresOf(result), [{ index: 3, permanent: true }]);
    assert.deepEqual(
      api.requests.map((r) => r.url),
      ['/import?strict=1', '/engage?verbose=1', '/groups?verbose=1'],
    );
    assert.deepEqual(api.requests[1]?.json, [{ $token: 'mp-token', $distinct_id: 'user-1', $ip: '198.51.100.4', $set: { $email: 'a@example.com' } }]);
    assert.deepEqual(api.requests[2]?.json, [{ $token: 'mp-token', $group_key: 'company', $group_id: 'acme', $set: { name: 'Acme' } }]);
    assert.equal(api.requests[1]?.headers.authorization, undefined, 'profile updates carry the token in the body');
  });

  it('/engage answering {status: 0, error}: those updates fail for good, the events stand', async () => {
    const { destination } = await setup((req) =>
      req.url.startsWith('/engage') ? { body: { status: 0, error: '$set must be an object' } } : { body: { code: 200, num_records_imported: 1, status: 'OK' } },
    );
    const result = await send(destination, [event(0), event(1, { type: 'identify', traits: {} })]);
    assert.deepEqual(failuresOf(result), [{ index: 1, permanent: true }]);
    assert.ok(result.kind === 'partial' && result.failures[0]?.reason.includes('$set must be an object'));
  });

  it('/engage without verbose-style JSON: a plain 1 is success', async () => {
    const { destination } = await setup(() => ({ body: '1' }));
    assert.equal((await send(destination, [event(0, { type: 'identify', traits: {} })])).kind, 'ok');
  });
});
