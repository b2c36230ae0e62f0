// The live tail's event-stream parser: events split across chunks anywhere, CRLF and CR line ends, comments and
// multi-line data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sseParser } from '../../web/src/lib/sse-parser.js';

function parse(chunks: string[]): string[] {
  const out: string[] = [];
  const push = sseParser((d) => out.push(d));
  for (const c of chunks) push(c);
  return out;
}

test('events, comments, ids and retry lines', () => {
  const stream = 'retry: 2000\n: watching for new events\n\nid: 1\ndata: {"a":1}\n\n: ping\n\nid: 2\ndata:{"b":2}\n\n';
  assert.deepEqual(parse([stream]), ['{"a":1}', '{"b":2}']);
});

test('any split of the stream gives the same events, with LF, CRLF or CR line ends', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    // Ends mid-event: a final lone CR could still become CRLF, so it is settled only by what follows it.
    const stream = `data: one${eol}${eol}data: two${eol}data: lines${eol}${eol}: c${eol}${eol}data: three${eol}${eol}data: unfinished`;
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(parse([stream.slice(0, cut), stream.slice(cut)]), ['one', 'two\nlines', 'three'], `eol ${JSON.stringify(eol)}, cut at ${cut}`);
    }
  }
});

test('an unfinished event is held until its blank line arrives', () => {
  const out: string[] = [];
  const push = sseParser((d) => out.push(d));
  push('data: half');
  assert.deepEqual(out, []);
  push('\n\n');
  assert.deepEqual(out, ['half']);
});
