import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionSchema, functionsSchema } from './config.js';

const MINIMAL = { name: 'welcome', file: 'functions/welcome.ts', subscribe: { types: ['user.created'] } };

describe('functionSchema', () => {
  it('fills the defaults', () => {
    assert.deepEqual(functionSchema.parse(MINIMAL), {
      ...MINIMAL,
      start_at: 'now',
      timeout_ms: 5000,
      memory_mb: 64,
      retry: { max_attempts: 5, initial_backoff_ms: 1000, max_backoff_ms: 60_000 },
      secrets: [],
    });
  });

  it('is strict, and requires a subscription to types or events', () => {
    assert.equal(functionSchema.safeParse({ ...MINIMAL, timeout: 5 }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, subscribe: { types: ['x'], calls: ['identify'] } }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, subscribe: {} }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, subscribe: { sources: ['web'] } }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, subscribe: { events: ['Order Completed'] } }).success, true);
  });

  it('checks names, files, patterns, limits and secret names', () => {
    assert.equal(functionSchema.safeParse({ ...MINIMAL, name: 'has space' }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, file: 'welcome.py' }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, subscribe: { types: ['user.*.created'] } }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, memory_mb: 4 }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, retry: { initial_backoff_ms: 5000, max_backoff_ms: 100 } }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, secrets: ['CRM-TOKEN'] }).success, false);
    assert.equal(functionSchema.safeParse({ ...MINIMAL, secrets: ['CRM_TOKEN'] }).success, true);
  });

  it('describes every field', () => {
    for (const [key, field] of Object.entries(functionSchema.shape)) {
      assert.ok(field.description ?? (field as { def?: { innerType?: { description?: string } } }).def?.innerType?.description, `${key} has a description`);
    }
  });
});

describe('functionsSchema', () => {
  it('refuses two functions with one name', () => {
    const r = functionsSchema.safeParse([MINIMAL, MINIMAL]);
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => [i.path.join('.'), i.message]), [['1.name', 'another function is named welcome']]);
  });
});
