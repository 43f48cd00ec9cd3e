/**
 * A POSIX ustar archive writer (IEEE Std 1003.1, pax "ustar Interchange
 * Format"), enough for an image layer and an OCI layout: directories and
 * regular files, owner 0:0, mtime 0 (deterministic: the same input gives the
 * same bytes, so the same digest). Names up to 100 bytes, or 255 with the
 * prefix field.
 */
export interface TarEntry {
  /** Path inside the archive, no leading slash; a directory's ends with '/'. */
  name: string;
  /** File contents; absent for a directory. */
  data?: Buffer;
  /** @default 0o644 for files, 0o755 for directories */
  mode?: number;
}

const BLOCK = 512;

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  // width - 1 octal digits, then NUL.
  buf.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  buf[offset + width - 1] = 0;
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const dir = e.data === undefined;
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar: the name ${e.name} is too long for ustar`);
  }
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode ?? (dir ? 0o755 : 0o644));
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, dir ? 0 : e.data!.length);
  octal(h, 136, 12, 0); // mtime
  h.write('        ', 148, 8, 'ascii'); // the checksum counts its own field as spaces
  h.write(dir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

/** The archive of these entries, in the order given, with the two zero blocks that end it. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    if (e.data !== undefined) {
      parts.push(e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
