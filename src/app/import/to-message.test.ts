import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importMessageId, messageFromCsvRow, messageFromJsonLine, planColumns, RecordError } from './to-message.js';

describe('messageFromJsonLine', () => {
  it('keeps the timestamp, drops sentAt, defaults type to track and derives a messageId from position and content', () => {
    const text = '{"event":"A","userId":"u","timestamp":"2020-01-01T00:00:00Z","sentAt":"2020-01-01T00:00:05Z"}';
    const m = messageFromJsonLine(3, text)!;
    assert.deepEqual(m, { event: 'A', userId: 'u', timestamp: '2020-01-01T00:00:00Z', type: 'track', messageId: importMessageId(3, text) });
    assert.equal(messageFromJsonLine(3, text)!.messageId, m.messageId, 'deterministic');
    assert.notEqual(messageFromJsonLine(4, text)!.messageId, m.messageId, 'the same line elsewhere is another event');
    assert.equal(messageFromJsonLine(1, '{"type":"identify","userId":"u","messageId":"mine"}')!.messageId, 'mine');
  });

  it('skips blank lines and names what is wrong with others', () => {
    assert.equal(messageFromJsonLine(1, '   '), null);
    assert.throws(() => messageFromJsonLine(1, '{oops'), (e: unknown) => e instanceof RecordError && /not valid JSON/.test(e.message));
    assert.throws(() => messageFromJsonLine(1, '[1]'), /must be a JSON object/);
  });
});

describe('CSV rows', () => {
  it('maps Segment fields (camelCase or snake_case) and dotted properties/traits/context columns', () => {
    const header = ['type', 'event', 'user_id', 'anonymousId', 'timestamp', 'properties.amount', 'properties.plan', 'properties.ok', 'context.page.url', 'traits.zip'];
    const plan = planColumns(header);
    const cells = ['track', 'Bought', 'u1', '', '2019-01-01T00:00:00Z', '12.50', 'pro', 'true', 'https://x.test/', '02139'];
    assert.deepEqual(messageFromCsvRow(1, cells, plan), {
      type: 'track', event: 'Bought', userId: 'u1', timestamp: '2019-01-01T00:00:00Z',
      properties: { amount: 12.5, plan: 'pro', ok: true }, context: { page: { url: 'https://x.test/' } }, traits: { zip: '02139' },
      messageId: importMessageId(1, JSON.stringify(cells)),
    });
  });

  it('refuses columns that are not Segment fields, naming them', () => {
    assert.throws(() => planColumns(['event', 'userId', 'plan', 'properties.']), /"plan", "properties\." are not Segment fields/);
  });
});
