import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileCondition } from './condition.js';

const event = { type: 'track', event: 'Order Completed', properties: { plan: 'pro', total: 42, coupon: null, items: ['a'] } };

describe('conditions', () => {
  it('match a value by strict equality at a dot path', () => {
    assert.equal(compileCondition({ event: 'Order Completed' })(event), true);
    assert.equal(compileCondition({ 'properties.plan': 'pro' })(event), true);
    assert.equal(compileCondition({ 'properties.total': 42 })(event), true);
    assert.equal(compileCondition({ 'properties.total': '42' })(event), false, '42 is not "42"');
    assert.equal(compileCondition({ 'properties.items': 'a' })(event), false, 'an array is not one of its elements');
  });

  it('match any of a list', () => {
    assert.equal(compileCondition({ type: ['track', 'page'] })(event), true);
    assert.equal(compileCondition({ type: ['identify', 'page'] })(event), false);
  });

  it('need every entry of an object to match', () => {
    assert.equal(compileCondition({ type: 'track', 'properties.plan': 'pro' })(event), true);
    assert.equal(compileCondition({ type: 'track', 'properties.plan': 'free' })(event), false);
  });

  it('need one entry of a list of objects to match', () => {
    assert.equal(compileCondition([{ type: 'page' }, { 'properties.plan': 'pro' }])(event), true);
    assert.equal(compileCondition([{ type: 'page' }, { 'properties.plan': 'free' }])(event), false);
  });

  it('treat null as also matching a missing value', () => {
    assert.equal(compileCondition({ 'properties.coupon': null })(event), true);
    assert.equal(compileCondition({ 'properties.missing': null })(event), true);
    assert.equal(compileCondition({ 'properties.plan': null })(event), false);
  });

  it('test presence with exists, and exclusion with not', () => {
    assert.equal(compileCondition({ 'properties.plan': { exists: true } })(event), true);
    assert.equal(compileCondition({ 'properties.coupon': { exists: true } })(event), false, 'null is not there');
    assert.equal(compileCondition({ 'properties.missing': { exists: false } })(event), true);
    assert.equal(compileCondition({ type: { not: ['identify', 'alias'] } })(event), true);
    assert.equal(compileCondition({ type: { not: 'track' } })(event), false);
  });
});
