import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhooksSchema } from './config.js';

function problems(value: unknown): string[] {
  const r = webhooksSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('webhooks config', () => {
  it('takes each kind with its defaults', () => {
    const parsed = webhooksSchema.parse([
      { name: 'stripe', kind: 'stripe', secret: 'whsec_x' },
      { name: 'gh', kind: 'hmac', secret: 's', header: 'X-Hub-Signature-256', prefix: 'sha256=' },
      { name: 'forms', kind: 'unsigned', allow_unsigned: true },
    ]);
    assert.equal(parsed[0]!.tolerance_s, 300);
    assert.equal(parsed[0]!.stripe.customer_id_as, 'user_id');
    assert.deepEqual(parsed[0]!.stripe.user_id_paths.slice(0, 2), ['metadata.user_id', 'client_reference_id']);
    assert.equal(parsed[1]!.algorithm, 'sha256');
    assert.equal(parsed[1]!.encoding, 'hex');
  });

  it('refuses an unsigned webhook unless allow_unsigned: true says so', () => {
    assert.match(problems([{ name: 'f', kind: 'unsigned' }]).join('\n'), /0\.allow_unsigned: an unsigned webhook stores whatever anyone posts/);
    assert.match(problems([{ name: 'f', kind: 'unsigned', allow_unsigned: false }]).join('\n'), /allow_unsigned/);
  });

  it('names missing secrets and headers, fields of another kind, and duplicate names', () => {
    assert.match(problems([{ name: 's', kind: 'stripe' }]).join('\n'), /0\.secret: a stripe webhook needs the signing secret/);
    assert.match(problems([{ name: 'h', kind: 'hmac', secret: 'x' }]).join('\n'), /0\.header: an hmac webhook needs the header/);
    assert.match(problems([{ name: 's', kind: 'stripe', secret: 'x', id_header: 'X-Id' }]).join('\n'), /id_header does not apply to stripe/);
    assert.match(problems([{ name: 'u', kind: 'unsigned', allow_unsigned: true, secret: 'x' }]).join('\n'), /use kind hmac/);
    assert.match(problems([{ name: 'a', kind: 'unsigned', allow_unsigned: true }, { name: 'a', kind: 'unsigned', allow_unsigned: true }]).join('\n'), /another webhook is named a/);
    assert.match(problems([{ name: 's', kind: 'stripe', secret: 'x', algorithm: 'md5' }]).join('\n'), /algorithm/);
  });
});
