// Reads an import file record by record: NDJSON (plain or gzipped, as Segment's S3 archives are written) or CSV.
// Each record carries its position, so the importer can save how far it got and resume there: plain NDJSON by
// seeking to the byte offset, gzip and CSV (which cannot be entered mid-stream) by reading again and skipping.
import { createReadStream, openSync, readSync, closeSync, statSync, type ReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

export type ImportFormat = 'ndjson' | 'csv';

export interface FileRecord {
  /** 1-based: the physical line (NDJSON) or the data row after the header (CSV). */
  line: number;
  /** The line's text (NDJSON) or the row's cells (CSV). */
  text: string | string[];
  /** Decoded bytes before the next record, for a plain NDJSON file: where a resume may seek to. */
  nextOffset: number | undefined;
}

export interface ResumePoint {
  /** Records at or before this line are skipped. */
  line: number;
  /** Plain NDJSON only: where line `line + 1` starts. */
  offset: number | undefined;
}

export interface OpenedFile {
  format: ImportFormat;
  gzip: boolean;
  /** Bytes of the file on disk: the progress bar's total. */
  size: number;
  /** The CSV header, once read. */
  header: string[] | undefined;
  /** File bytes read so far (compressed bytes for gzip): the progress bar's position. */
  bytesRead(): number;
  records(): AsyncGenerator<FileRecord>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

/** The format named by the file's extension (after a .gz): .csv is CSV, anything else is NDJSON. */
export function formatOf(path: string): ImportFormat {
  return /\.csv(\.gz)?$/i.test(path) ? 'csv' : 'ndjson';
}

async function* ndjsonLines(stream: NodeJS.ReadableStream, from: ResumePoint, trackOffset: boolean): AsyncGenerator<FileRecord> {
  let offset = from.offset ?? 0;
  let rest: Buffer = Buffer.alloc(0);
  const skipping = (n: number): boolean => from.offset === undefined && n <= from.line;
  let physical = from.offset === undefined ? 0 : from.line;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) !== -1) {
      physical++;
      offset += nl + 1;
      const text = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      buf = buf.subarray(nl + 1);
      if (skipping(physical)) continue;
      yield { line: physical, text, nextOffset: trackOffset ? offset : undefined };
    }
    rest = buf;
  }
  if (rest.length > 0) {
    physical++;
    offset += rest.length;
    if (!skipping(physical)) yield { line: physical, text: rest.toString('utf8').replace(/\r$/, ''), nextOffset: trackOffset ? offset : undefined };
  }
}

async function* csvRows(stream: NodeJS.ReadableStream, from: ResumePoint, file: OpenedFile): AsyncGenerator<FileRecord> {
  const parser = stream.pipe(parse({ bom: true, skip_empty_lines: true, relax_quotes: false }));
  let row = 0;
  for await (const cells of parser as AsyncIterable<string[]>) {
    if (file.header === undefined) {
      file.header = cells.map((c) => c.trim());
      continue;
    }
    row++;
    if (row <= from.line) continue;
    yield { line: row, text: cells, nextOffset: undefined };
  }
}

export function openImportFile(path: string, format: ImportFormat, from: ResumePoint): OpenedFile {
  const size = statSync(path).size;
  const gzip = isGzipFile(path);
  // Only a plain file can be entered at a byte offset; a gzip stream must be read from its start.
  const seek = !gzip && format === 'ndjson' && from.offset !== undefined;
  let raw: ReadStream | undefined;
  const file: OpenedFile = {
    format,
    gzip,
    size,
    header: undefined,
    bytesRead: () => (raw === undefined ? 0 : raw.bytesRead + (seek ? from.offset! : 0)),
    records() {
      raw = createReadStream(path, seek ? { start: from.offset! } : {});
      const decoded: NodeJS.ReadableStream = gzip ? raw.pipe(createGunzip()) : raw;
      if (gzip) raw.on('error', (err) => (decoded as NodeJS.ReadWriteStream).emit('error', err));
      const point = seek ? from : { line: from.line, offset: undefined };
      return format === 'csv' ? csvRows(decoded, point, file) : ndjsonLines(decoded, point, !gzip);
    },
  };
  return file;
}
