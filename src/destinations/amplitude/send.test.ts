// Amplitude's HTTP V2 API played by a local server; the reply bodies are the ones its documentation shows.
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
  const config = schema.parse({ api_key: 'amp-key', endpoint: `${api.url}/2/httpapi`, timeout_ms: 2000, ...options });
  return { api, destination: create(config, testContext()) };
}

function track(i: number, extra: JsonObject = {}): OutgoingEvent {
  const messageId = `msg-${i}`;
  return {
    seq: i + 1,
    messageId,
    source: 'web',
    doc: {
      type: 'track',
      event: `Event ${i}`,
      messageId,
      userId: `user-${i}0000`,
      anonymousId: `anon-${i}0000`,
      properties: { n: i },
      context: { ip: '203.0.113.7' },
      timestamp: '2024-06-01T12:00:00.000Z',
      receivedAt: '2024-06-01T12:00:01.000Z',
      ...extra,
    },
  };
}

const batchOf = (n: number): OutgoingEvent[] => Array.from({ length: n }, (_, i) => track(i));
const send = (d: Destination, batch: readonly OutgoingEvent[]): Promise<SendResult> => d.send(batch, new AbortController().signal);
const events = (r: RecordedRequest): JsonObject[] => (r.json as { events: JsonObject[] }).events;
const insertIds = (r: RecordedRequest): string[] => events(r).map((e) => e.insert_id as string);

/** insert_ids of every request the server answered 200, in order: the events Amplitude ingested. */
function ingested(api: FakeApi, answered: number[]): string[] {
  return api.requests.flatMap((r, n) => (answered[n] === 200 ? insertIds(r) : []));
}

const failuresOf = (r: SendResult) => {
  assert.equal(r.kind, 'partial');
  return r.kind === 'partial' ? r.failures.map((f) => ({ index: f.index, permanent: f.permanent })) : [];
};

describe('amplitude send', () => {
  it('exports its type, limits and schema', async () => {
    const { destination } = await setup(() => ({ status: 200 }));
    assert.equal(type, 'amplitude');
    assert.equal(destination.maxBatchEvents, 2000);
    assert.ok(destination.maxBatchBytes < 1_000_000 && destination.maxBatchBytes > 900_000);
  });

  it('200: posts {api_key, events, options} as JSON, one event per stored event', async () => {
    const { api, destination } = await setup(() => ({ body: { code: 200, events_ingested: 2, payload_size_bytes: 50, server_upload_time: 1396381378123 } }), {
      options: { min_id_length: 3 },
    });
    const result = await send(destination, batchOf(2));
    assert.equal(result.kind, 'ok');
    assert.equal(api.requests.length, 1);
    const [request] = api.requests as [RecordedRequest];
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/2/httpapi');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      api_key: 'amp-key',
      options: { min_id_length: 3 },
      events: [0, 1].map((i) => ({
        event_type: `Event ${i}`,
        user_id: `user-${i}0000`,
        device_id: `anon-${i}0000`,
        time: Date.parse('2024-06-01T12:00:00.000Z'),
        insert_id: `msg-${i}`,
        ip: '203.0.113.7',
        event_properties: { n: i },
      })),
    });
  });

  it('400 naming invalid events: those fail for good, the rest is resent once and each valid event arrives once', async () => {
    const answered: number[] = [];
    const { api, destination } = await setup((_req, n) => {
      answered[n] = n === 0 ? 400 : 200;
      return n === 0
        ? { status: 400, body: { code: 400, error: 'Invalid field values on some events', events_with_invalid_fields: { time: [1], device_id: [3] } } }
        : { body: { code: 200, events_ingested: 3 } };
    });
    const result = await send(destination, batchOf(5));
    assert.deepEqual(failuresOf(result), [
      { index: 1, permanent: true },
      { index: 3, permanent: true },
    ]);
    assert.equal(api.requests.length, 2);
    assert.deepEqual(insertIds(api.requests[1] as RecordedRequest), ['msg-0', 'msg-2', 'msg-4']);
    assert.deepEqual(ingested(api, answered), ['msg-0', 'msg-2', 'msg-4']);
    assert.ok(result.kind === 'partial' && /invalid field time/.test(result.failures[0]?.reason ?? ''), 'the reason names the field');
  });

  it('400 silencing devices (the documented body): silenced fail, throttled wait 30 s, the rest is resent', async () => {
    const answered: number[] = [];
    const { api, destination } = await setup((_req, n) => {
      answered[n] = n === 0 ? 400 : 200;
      return n === 0
        ? {
            status: 400,
            body: {
              code: 400,
              eps_threshold: 100,
              error: 'Events silenced for device_id',
              exceeded_daily_quota_devices: {},
              silenced_devices: ['silenced_device_id_1', 'silenced_device_id_2'],
              silenced_events: [5, 6],
              throttled_devices: { throttled_device_id_1: 0, throttled_device_id_2: 100 },
              throttled_events: [3, 4],
            },
          }
        : { body: { code: 200 } };
    });
    const result = await send(destination, batchOf(8));
    assert.deepEqual(failuresOf(result), [
      { index: 3, permanent: false },
      { index: 4, permanent: false },
      { index: 5, permanent: true },
      { index: 6, permanent: true },
    ]);
    assert.deepEqual(ingested(api, answered), ['msg-0', 'msg-1', 'msg-2', 'msg-7']);
    assert.deepEqual(result.kind === 'partial' && result.failures.map((f) => f.retryAfterMs), [30_000, 30_000, undefined, undefined]);
  });

  it('a second 400 on the resend: its named events fail, the others are reported not accepted (retry)', async () => {
    const { api, destination } = await setup(() => ({
      status: 400,
      body: { code: 400, error: 'Invalid field values on some events', events_with_invalid_fields: { event_type: [0] } },
    }));
    const result = await send(destination, batchOf(3));
    assert.equal(api.requests.length, 2, 'one resend, no more');
    assert.deepEqual(insertIds(api.requests[1] as RecordedRequest), ['msg-1', 'msg-2']);
    // First request: position 0 = msg-0. Resend: position 0 = msg-1. msg-2 was never accepted.
    assert.deepEqual(failuresOf(result), [
      { index: 0, permanent: true },
      { index: 1, permanent: true },
      { index: 2, permanent: false },
    ]);
  });

  it('400 with a request-level fault (the documented missing_field body) fails every event', async () => {
    const { api, destination } = await setup(() => ({
      status: 400,
      body: { code: 400, error: 'Request missing required field', missing_field: 'api_key', events_with_missing_fields: { event_type: [3] } },
    }));
    const result = await send(destination, batchOf(4));
    assert.equal(result.kind, 'fail');
    assert.equal(api.requests.length, 1);
    assert.ok(result.kind === 'fail' && /400/.test(result.reason) && result.exchange?.response?.status === 400);
  });

  it('400 Invalid API key (no indices) fails the batch', async () => {
    const { destination } = await setup(() => ({ status: 400, body: { code: 400, error: 'Invalid API key' } }));
    assert.equal((await send(destination, batchOf(2))).kind, 'fail');
  });

  it('413: halves the request until the parts fit, each event delivered once, in order', async () => {
    const answered: number[] = [];
    const { api, destination } = await setup((req, n) => {
      const tooLarge = events(req).length > 2;
      answered[n] = tooLarge ? 413 : 200;
      return tooLarge ? { status: 413, body: { code: 413, error: 'Payload too large' } } : { body: { code: 200 } };
    });
    const result = await send(destination, batchOf(7));
    assert.equal(result.kind, 'ok');
    assert.deepEqual(ingested(api, answered), ['msg-0', 'msg-1', 'msg-2', 'msg-3', 'msg-4', 'msg-5', 'msg-6']);
    assert.deepEqual(
      api.requests.map((r) => events(r).length),
      [7, 4, 2, 2, 3, 2, 1],
    );
  });

  it('413 for a single event fails that event for good', async () => {
    const { destination } = await setup((req) => (events(req).some((e) => e.insert_id === 'msg-1') ? { status: 413, body: { code: 413, error: 'Payload too large' } } : { body: { code: 200 } }));
    assert.deepEqual(failuresOf(await send(destination, batchOf(3))), [{ index: 1, permanent: true }]);
  });

  it('429 throttling every event: retry after Retry-After, else after 30 s', async () => {
    const throttledAll = { code: 429, error: 'Too many requests for some devices and users', eps_threshold: 30, throttled_events: [0, 1] };
    const withHeader = await setup(() => ({ status: 429, body: throttledAll, headers: { 'retry-after': '7' } }));
    const r1 = await send(withHeader.destination, batchOf(2));
    assert.equal(r1.kind, 'retry');
    assert.equal(r1.kind === 'retry' && r1.retryAfterMs, 7000);
    const noHeader = await setup(() => ({ status: 429, body: { code: 429, error: 'Too many requests for some devices and users' } }));
    const r2 = await send(noHeader.destination, batchOf(2));
    assert.equal(r2.kind === 'retry' && r2.retryAfterMs, 30_000);
  });

  it('429 naming some events (the documented body): those wait, the others are resent at once', async () => {
    const answered: number[] = [];
    const { api, destination } = await setup((_req, n) => {
      answered[n] = n === 0 ? 429 : 200;
      return n === 0
        ? {
            status: 429,
            body: {
              code: 429,
              error: 'Too many requests for some devices and users',
              eps_threshold: 30,
              throttled_devices: { 'C8F9E604-F01A-4BD9-95C6-8E5357DF265D': 31 },
              throttled_users: { 'datamonster@amplitude.com': 32 },
              throttled_events: [3, 4, 7],
            },
          }
        : { body: { code: 200 } };
    });
    const result = await send(destination, batchOf(8));
    assert.deepEqual(failuresOf(result), [
      { index: 3, permanent: false },
      { index: 4, permanent: false },
      { index: 7, permanent: false },
    ]);
    assert.deepEqual(ingested(api, answered), ['msg-0', 'msg-1', 'msg-2', 'msg-5', 'msg-6']);
    assert.ok(result.kind === 'partial' && result.failures.every((f) => f.retryAfterMs === 30_000 && /Retry-After 30000 ms/.test(f.reason)));
  });

  for (const status of [500, 502, 503, 504]) {
    it(`${status}: retry`, async () => {
      const { destination } = await setup(() => ({ status, body: 'upstream trouble' }));
      const result = await send(destination, batchOf(2));
      assert.equal(result.kind, 'retry');
    });
  }

  it('403 (blocked by the WAF): fail', async () => {
    const { destination } = await setup(() => ({ status: 403, body: { code: 403, error: 'Forbidden' } }));
    assert.equal((await send(destination, batchOf(1))).kind, 'fail');
  });

  it('a reply slower than timeout_ms: retry', async () => {
    const { destination } = await setup(() => ({ delayMs: 1500, body: { code: 200 } }), { timeout_ms: 100 });
    const result = await send(destination, batchOf(2));
    assert.equal(result.kind, 'retry');
    assert.match(result.kind === 'retry' ? result.reason : '', /timed out after 100 ms/);
  });

  it('connection refused: retry', async () => {
    const config = schema.parse({ api_key: 'k', endpoint: `${await closedPortUrl()}/2/httpapi` });
    const result = await create(config, testContext()).send(batchOf(1), new AbortController().signal);
    assert.equal(result.kind, 'retry');
    assert.match(result.kind === 'retry' ? result.reason : '', /network error/);
  });

  it('events that cannot be mapped fail without a request; the others are sent', async () => {
    const { api, destination } = await setup(() => ({ body: { code: 200 } }));
    const batch = [track(0), track(1, { type: 'alias', previousId: 'old' }), track(2, { userId: undefined, anonymousId: undefined })];
    const result = await send(destination, batch);
    assert.deepEqual(failuresOf(result), [
      { index: 1, permanent: true },
      { index: 2, permanent: true },
    ]);
    assert.deepEqual(insertIds(api.requests[0] as RecordedRequest), ['msg-0']);
  });

  it('cuts requests at Amplitude\'s 1 MB on the serialized events', async () => {
    const { api, destination } = await setup(() => ({ body: { code: 200 } }));
    const big = 'x'.repeat(400_000);
    const result = await send(destination, [0, 1, 2].map((i) => track(i, { properties: { big } })));
    assert.equal(result.kind, 'ok');
    assert.deepEqual(api.requests.map(insertIds), [['msg-0', 'msg-1'], ['msg-2']]);
    for (const r of api.requests) assert.ok(Buffer.byteLength(r.body) <= 1_000_000);
  });
});
