import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type FileRecord, formatOf, type ImportFormat, openImportFile, type ResumePoint } from './read-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-read-file-'));

async function read(path: string, format: ImportFormat, from: ResumePoint = { line: 0, offset: undefined }): Promise<FileRecord[]> {
  const out: FileRecord[] = [];
  for await (const r of openImportFile(path, format, from).records()) out.push(r);
  return out;
}

describe('openImportFile', () => {
  it('reads NDJSON lines with the offset after each, CRLF and a last line without newline included', async () => {
    const path = join(dir, 'a.ndjson');
    writeFileSync(path, '{"a":1}\r\n\n{"b":2}\n{"c":3}');
    const records = await read(path, 'ndjson');
    assert.deepEqual(records.map((r) => [r.line, r.text, r.nextOffset]), [[1, '{"a":1}', 9], [2, '', 10], [3, '{"b":2}', 18], [4, '{"c":3}', 25]]);
    // Resuming at the offset after line 2 continues with line 3, numbered as such.
    const resumed = await read(path, 'ndjson', { line: 2, offset: 10 });
    assert.deepEqual(resumed.map((r) => [r.line, r.text]), [[3, '{"b":2}'], [4, '{"c":3}']]);
  });

  it('reads gzip from the start and skips to the resume line (a gzip stream cannot be entered midway)', async () => {
    const path = join(dir, 'archive.gz');
    writeFileSync(path, gzipSync('{"a":1}\n{"b":2}\n{"c":3}\n'));
    assert.deepEqual((await read(path, 'ndjson')).map((r) => r.text), ['{"a":1}', '{"b":2}', '{"c":3}']);
    const resumed = await read(path, 'ndjson', { line: 2, offset: undefined });
    assert.deepEqual(resumed.map((r) => [r.line, r.text, r.nextOffset]), [[3, '{"c":3}', undefined]]);
  });

  it('reads CSV rows after the header (quoted commas and newlines included) and skips to the resume row', async () => {
    const path = join(dir, 'rows.csv');
    writeFileSync(path, '\ufeffevent,userId\n"A, b",u1\n"multi\nline",u2\nC,u3\n');
    const file = openImportFile(path, 'csv', { line: 1, offset: undefined });
    const rows: FileRecord[] = [];
    for await (const r of file.records()) rows.push(r);
    assert.deepEqual(file.header, ['event', 'userId']);
    assert.deepEqual(rows.map((r) => [r.line, r.text]), [[2, ['multi\nline', 'u2']], [3, ['C', 'u3']]]);
  });

  it('tells CSV from NDJSON by extension', () => {
    assert.equal(formatOf('x.csv'), 'csv');
    assert.equal(formatOf('x.CSV.gz'), 'csv');
    assert.equal(formatOf('x.json.gz'), 'ndjson');
    assert.equal(formatOf('x'), 'ndjson');
  });
});
