// Durable appends of whole gzip members. One write call per member, then fsync (and fsync of any directory entry
// just created), so when append() resolves the member is on disk. Appends to one file run one at a time.
//
// What a crash can leave: the members before it, intact, and possibly the start of the member being written (a
// cut-short last member; its events were not acknowledged and come again). The first append this process makes to a
// file therefore scans it and cuts such a tail off, so a damaged member never ends up in the middle of a file.
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DestinationContext } from '../../core/destination.js';
import { scanMembers } from './gzip-members.js';

export class Appender {
  /** The last append queued per file; the next one waits for it. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Files this process has checked (or written cleanly): their end is the end of a whole member. */
  private readonly clean = new Set<string>();

  constructor(private readonly log: DestinationContext['log']) {}

  append(path: string, member: Buffer): Promise<void> {
    const run = (this.queues.get(path) ?? Promise.resolve()).then(() => this.appendNow(path, member));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(path, settled);
    void settled.then(() => {
      if (this.queues.get(path) === settled) this.queues.delete(path);
    });
    return run;
  }

  /** Resolves when every queued append has finished. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private async appendNow(path: string, member: Buffer): Promise<void> {
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true });
    const fh = await open(path, 'a');
    let isNew = false;
    try {
      let size = (await fh.stat()).size;
      isNew = size === 0;
      if (!this.clean.has(path) && size > 0) size = await this.cutDamagedTail(fh, path, size);
      this.clean.delete(path);
      try {
        await writeAll(fh, member);
        await fh.sync();
      } catch (err) {
        // Take back whatever part of the member reached the file, or leave the file to be checked next time.
        await fh.truncate(size).then(() => fh.sync()).then(() => this.clean.add(path), () => undefined);
        throw err;
      }
      this.clean.add(path);
    } finally {
      await fh.close();
    }
    if (isNew) await syncDir(dir);
    if (firstCreated !== undefined) for (let d = dir; d !== dirname(firstCreated); d = dirname(d)) await syncDir(dirname(d));
  }

  /** Cuts the file back to its last whole member; returns the new size. */
  private async cutDamagedTail(fh: FileHandle, path: string, size: number): Promise<number> {
    const scan = scanMembers(await readFile(path));
    if (scan.damage === undefined) return size;
    await fh.truncate(scan.validBytes);
    await fh.sync();
    this.log.warn({ path, cut_bytes: size - scan.validBytes, damage: scan.damage }, 'file destination: cut a damaged tail (an unacknowledged write cut short by a crash)');
    return scan.validBytes;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let done = 0;
  // One call writes the whole member in practice; a short write (rare, e.g. a signal) continues where it stopped.
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten;
}

/** Makes a directory's entries (a new file, a new subdirectory) durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
