// The import's state file: how far an import got, written after each batch the server accepted, so running the same
// command again continues there. Written to a temporary file and renamed, so a crash never leaves half a state.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';

export interface ImportState {
  version: 1;
  /** SHA-256 of the file's first headBytes (at most 64 KB): a different file under the same name is not resumed. */
  head: string;
  /** How many bytes `head` covers: a file that grew since is still the same file. */
  headBytes: number;
  format: string;
  /** The last line (or CSV row) whose batch the server accepted; records up to it are not sent again. */
  line: number;
  /** Plain NDJSON: where the next line starts. */
  offset?: number;
  /** File size when the import last reached its end; absent until then. */
  completedSize?: number;
  sent: number;
  rejected: number;
}

const HEAD_BYTES = 64 * 1024;

export function fileHead(path: string, bytes = HEAD_BYTES): { head: string; headBytes: number } {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return { head: createHash('sha256').update(buf.subarray(0, n)).digest('hex'), headBytes: n };
  } finally {
    closeSync(fd);
  }
}

export function defaultStatePath(file: string): string {
  return `${file}.sluice-import.json`;
}

export function readState(path: string): ImportState | undefined {
  if (!existsSync(path)) return undefined;
  const value = JSON.parse(readFileSync(path, 'utf8')) as ImportState;
  if (value.version !== 1) throw new Error(`${path} is not a state file this version of sluice writes`);
  return value;
}

export function writeState(path: string, state: ImportState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, path);
}
