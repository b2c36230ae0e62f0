// Reading an archive back: the events of every complete gzip member, in file order. A crash while a send was
// writing can leave a cut-short last member; its events were never acknowledged, so the runner sends them again, and
// skipping the damaged tail loses nothing.
import { readFile } from 'node:fs/promises';
import type { JsonObject } from '../../core/event.js';
import { scanMembers } from './gzip-members.js';

export interface Archive {
  events: JsonObject[];
  /** False when the file ends in a damaged member (bytes after validBytes were skipped). */
  complete: boolean;
  validBytes: number;
  totalBytes: number;
  damage?: string;
}

export async function readArchive(path: string): Promise<Archive> {
  const buf = await readFile(path);
  const scan = scanMembers(buf);
  const events: JsonObject[] = [];
  for (const member of scan.members) {
    for (const line of member.toString('utf8').split('\n')) if (line !== '') events.push(JSON.parse(line) as JsonObject);
  }
  const out: Archive = { events, complete: scan.damage === undefined, validBytes: scan.validBytes, totalBytes: buf.length };
  if (scan.damage !== undefined) out.damage = scan.damage;
  return out;
}
