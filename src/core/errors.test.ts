// docs/errors.md is the client-facing list of error codes: it must list exactly the codes in ERROR_CODES, each with
// the same status and retryability.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, type ErrorCode, SluiceError } from './errors.js';

interface Row {
  code: string;
  status: number;
  retryable: boolean;
  description: string;
}

/** The rows of the table whose header is `| code | HTTP status | retryable | description |`. */
function documentedCodes(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => /^\|\s*code\s*\|\s*HTTP status\s*\|\s*retryable\s*\|\s*description\s*\|\s*$/i.test(l));
  assert.notEqual(header, -1, 'docs/errors.md has a table headed | code | HTTP status | retryable | description |');
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4, `a row has four cells: ${line}`);
    const [code, status, retryable, description] = cells as [string, string, string, string];
    const m = /^`([a-z_]+)`$/.exec(code);
    assert.ok(m, `the code is written in backticks: ${code}`);
    assert.match(status, /^\d{3}$/, `the status is a number: ${line}`);
    assert.match(retryable, /^(yes|no)$/, `retryable is yes or no: ${line}`);
    assert.notEqual(description, '', `a description: ${line}`);
    rows.push({ code: m[1]!, status: Number(status), retryable: retryable === 'yes', description });
  }
  return rows;
}

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  const rows = documentedCodes(doc);

  it('lists exactly the codes of ERROR_CODES, each once', () => {
    const documented = rows.map((r) => r.code);
    assert.equal(new Set(documented).size, documented.length, 'no code is listed twice');
    assert.deepEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
  });

  it('gives each code the status and retryability it has in the registry', () => {
    for (const row of rows) {
      const spec = ERROR_CODES[row.code as ErrorCode];
      assert.equal(row.status, spec.status, `status of ${row.code}`);
      assert.equal(row.retryable, spec.retryable, `retryable of ${row.code}`);
    }
  });

  it('documents the error body and the partial-success answer', () => {
    assert.ok(doc.includes('{"success":false,"error":{"code"'), 'the error body shape');
    assert.ok(doc.includes('{"success":true,"accepted":'), 'the batch partial-success shape');
    for (const key of ['field', 'index', 'rejected']) assert.ok(doc.includes(`\`${key}\``), `explains ${key}`);
  });
});

describe('SluiceError', () => {
  it('takes status and retryability from its code', () => {
    const e = new SluiceError('overloaded', 'busy');
    assert.equal(e.status, 429);
    assert.equal(e.retryable, true);
    assert.equal(new SluiceError('invalid_field', 'x').retryable, false);
  });

  it('serializes to the documented error body, with field and index only when set', () => {
    assert.deepEqual(new SluiceError('empty_batch', 'batch is empty').toJSON(), { code: 'empty_batch', message: 'batch is empty' });
    assert.deepEqual(JSON.parse(JSON.stringify(new SluiceError('invalid_field', 'item 3: bad', { field: 'event', index: 3 }))), {
      code: 'invalid_field',
      message: 'item 3: bad',
      field: 'event',
      index: 3,
    });
    assert.deepEqual(new SluiceError('missing_field', 'm', { index: 0 }).toJSON(), { code: 'missing_field', message: 'm', index: 0 });
  });

  it('is an Error with its name', () => {
    const e = new SluiceError('internal', 'boom');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SluiceError');
    assert.equal(e.message, 'boom');
  });
});
