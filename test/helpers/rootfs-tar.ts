/**
 * A root filesystem described entry by entry and written as one ustar archive in memory, for
 * `podman import`. Every entry has fixed owner (root), fixed mtime (0) and an explicit mode, so
 * the same inputs give the same bytes: the archive's SHA-256 is the cache key of the image
 * (test/helpers/podman-images.ts). Parent directories are added on their own.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const BLOCK = 512;
/** ustar's name field; longer paths would need the prefix field, which no image here needs. */
const NAME_MAX = 100;

type Entry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: Buffer }
  | { kind: 'symlink'; path: string; target: string };

export class Rootfs {
  private readonly entries = new Map<string, Entry>();

  /** A directory (path relative to the root, no leading slash). */
  dir(path: string, mode = 0o755): this {
    this.parents(path);
    this.entries.set(path, { kind: 'dir', path, mode });
    return this;
  }

  /** A regular file holding `data`. */
  text(path: string, data: string | Buffer, mode = 0o644): this {
    this.parents(path);
    this.entries.set(path, { kind: 'file', path, mode, data: Buffer.from(data) });
    return this;
  }

  /** A regular file with the contents of the machine's `hostPath` (symlinks followed). */
  copy(path: string, hostPath: string, mode = 0o755): this {
    return this.text(path, readFileSync(hostPath), mode);
  }

  symlink(path: string, target: string): this {
    this.parents(path);
    this.entries.set(path, { kind: 'symlink', path, target });
    return this;
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** The archive and its SHA-256 (hex). Entries are written in path order. */
  archive(): { tar: Buffer; sha256: string } {
    const parts: Buffer[] = [];
    for (const path of [...this.entries.keys()].sort()) {
      const entry = this.entries.get(path)!;
      if (entry.kind === 'file') {
        parts.push(header(entry.path, entry.mode, entry.data.length, '0', ''), entry.data);
        const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
        if (pad) parts.push(Buffer.alloc(pad));
      } else if (entry.kind === 'dir') {
        parts.push(header(`${entry.path}/`, entry.mode, 0, '5', ''));
      } else {
        parts.push(header(entry.path, 0o777, 0, '2', entry.target));
      }
    }
    parts.push(Buffer.alloc(2 * BLOCK));
    const tar = Buffer.concat(parts);
    return { tar, sha256: createHash('sha256').update(tar).digest('hex') };
  }

  private parents(path: string): void {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`rootfs: bad path ${path}`);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (!this.entries.has(dir)) this.entries.set(dir, { kind: 'dir', path: dir, mode: 0o755 });
    }
  }
}

function header(name: string, mode: number, size: number, type: string, linkname: string): Buffer {
  if (Buffer.byteLength(name) > NAME_MAX || Buffer.byteLength(linkname) > NAME_MAX) {
    throw new Error(`rootfs: path too long for ustar: ${name} -> ${linkname}`);
  }
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0);
  octal(b, 100, 8, mode);
  octal(b, 108, 8, 0); // uid
  octal(b, 116, 8, 0); // gid
  octal(b, 124, 12, size);
  octal(b, 136, 12, 0); // mtime
  b.fill(' ', 148, 156); // the checksum counts its own field as spaces
  b.write(type, 156);
  b.write(linkname, 157);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.write('root', 265);
  b.write('root', 297);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset);
}
