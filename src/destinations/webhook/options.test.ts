import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTarget, schema } from './options.js';

function issues(input: unknown): { path: string; message: string }[] {
  const r = schema.safeParse(input);
  assert.equal(r.success, false, 'expected the options to be refused');
  return r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('webhook options', () => {
  it('the flat form, with defaults filled in', () => {
    const c = schema.parse({ url: 'https://hooks.example.com/in' });
    assert.deepEqual(c, {
      url: 'https://hooks.example.com/in',
      method: 'POST',
      headers: {},
      timeout_ms: 10_000,
      batch_format: 'none',
      max_batch_events: 100,
      max_batch_bytes: 1_048_576,
      max_parallel_requests: 10,
    });
    assert.deepEqual(resolveTarget(c), { url: 'https://hooks.example.com/in', method: 'POST', headers: {} });
  });

  it("the seed connector's nested form resolves to the same target", () => {
    const c = schema.parse({ http: { endpoint: 'http://127.0.0.1:9/x', method: 'PUT', headers: { Authorization: 'Bearer t' } } });
    assert.deepEqual(resolveTarget(c), { url: 'http://127.0.0.1:9/x', method: 'PUT', headers: { authorization: 'Bearer t' } });
    assert.equal(resolveTarget(schema.parse({ http: { endpoint: 'http://127.0.0.1:9/x' } })).method, 'POST');
  });

  it('header names are lower-cased so a configured Content-Type replaces the default one', () => {
    const c = schema.parse({ url: 'http://h.example/', headers: { 'Content-Type': 'text/plain', 'X-Key': 'k' } });
    assert.deepEqual(resolveTarget(c).headers, { 'content-type': 'text/plain', 'x-key': 'k' });
  });

  it('neither url nor http: one clear error on url', () => {
    assert.deepEqual(issues({}), [{ path: 'url', message: 'url is required (or the nested form http: { endpoint })' }]);
  });

  it('both forms at once are refused, naming the key to move', () => {
    assert.deepEqual(issues({ url: 'http://a.example/', http: { endpoint: 'http://b.example/' } }), [
      { path: 'http', message: 'give either url or http.endpoint, not both' },
    ]);
    assert.deepEqual(issues({ http: { endpoint: 'http://b.example/' }, method: 'PUT', headers: { a: 'b' } }), [
      { path: 'method', message: 'with http: { endpoint }, set the method as http.method' },
      { path: 'headers', message: 'with http: { endpoint }, set headers as http.headers' },
    ]);
  });

  it('refuses unknown keys, non-http URLs, other methods and bad header names', () => {
    assert.equal(issues({ url: 'http://a.example/', endpoint: 'x' })[0]?.message, 'Unrecognized key: "endpoint"');
    assert.deepEqual(issues({ url: 'ftp://a.example/' }), [{ path: 'url', message: 'must be an http:// or https:// URL' }]);
    assert.equal(issues({ http: { endpoint: 'nope' } })[0]?.path, 'http.endpoint');
    assert.equal(issues({ url: 'http://a.example/', method: 'GET' })[0]?.path, 'method');
    assert.equal(issues({ url: 'http://a.example/', headers: { 'bad name': 'x' } })[0]?.path, 'headers.bad name');
    assert.equal(issues({ url: 'http://a.example/', batch_format: 'csv' })[0]?.path, 'batch_format');
  });

  it('keeps the one-form rule when the runner extends the schema with its own options', () => {
    const extended = schema.extend({ name: schema.shape.url });
    assert.equal(extended.safeParse({}).success, false);
  });
});
