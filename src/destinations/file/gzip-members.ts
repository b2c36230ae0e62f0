// Walks a file of concatenated gzip members (RFC 1952) one member at a time. Plain gunzip reads such a file in one
// go, but gives nothing back when the last member was cut short by a crash; walking member by member keeps every
// complete member and says where the damage starts, so the writer can cut it off and readers can skip it.
import { crc32, inflateRawSync } from 'node:zlib';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const TRAILER_BYTES = 8;

export interface MemberScan {
  /** The decompressed content of each complete member, in file order. */
  members: Buffer[];
  /** Bytes from the start of the file that are whole members: everything after this is damaged. */
  validBytes: number;
  /** Why the bytes after validBytes could not be read; absent when the whole file is complete members. */
  damage?: string;
}

/** Where the deflate data of the member at `at` starts, or why the header is unreadable. */
function headerEnd(buf: Buffer, at: number): number | string {
  if (buf.length - at < 10) return 'header cut short';
  if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8) return 'not a gzip member';
  const flags = buf[at + 3] ?? 0;
  let pos = at + 10;
  if (flags & FEXTRA) {
    if (buf.length - pos < 2) return 'header cut short';
    pos += 2 + buf.readUInt16LE(pos);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const zero = buf.indexOf(0, pos);
    if (zero < 0) return 'header cut short';
    pos = zero + 1;
  }
  if (flags & FHCRC) pos += 2;
  return pos > buf.length ? 'header cut short' : pos;
}

export function scanMembers(buf: Buffer): MemberScan {
  const members: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const start = headerEnd(buf, at);
    if (typeof start === 'string') return { members, validBytes: at, damage: `${start} at byte ${at}` };
    let content: Buffer;
    let used: number;
    try {
      const out = inflateRawSync(buf.subarray(start), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      content = out.buffer;
      used = out.engine.bytesWritten;
    } catch (err) {
      return { members, validBytes: at, damage: `${(err as Error).message} in the member at byte ${at}` };
    }
    const trailer = start + used;
    if (buf.length - trailer < TRAILER_BYTES) return { members, validBytes: at, damage: `trailer cut short in the member at byte ${at}` };
    if (buf.readUInt32LE(trailer) !== crc32(content) || buf.readUInt32LE(trailer + 4) !== content.length % 2 ** 32) {
      return { members, validBytes: at, damage: `checksum mismatch in the member at byte ${at}` };
    }
    members.push(content);
    at = trailer + TRAILER_BYTES;
  }
  return { members, validBytes: at };
}
