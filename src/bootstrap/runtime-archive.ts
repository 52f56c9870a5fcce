/**
 * The runtime as it crosses the link (docs/protocol.md §12.2): a POSIX tar of its files and
 * SHA256SUMS, gzipped (every busybox and every Debian has `gzip -d` and `tar`). Compressing
 * ~100 MB takes seconds, so the archive is made once and kept in the router's own cache,
 * `$XDG_CACHE_HOME/norouter` (else ~/.cache/norouter, else the system's temporary directory),
 * named by the runtime's id; the next run sends it straight from there.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Runtime } from './runtime-files.js';

export const SUMS_NAME = 'SHA256SUMS';

/** One ustar header block. Names are short (sonames), so the prefix field stays empty. */
export function tarHeader(name: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 99) throw new Error(`Assertion failed: tar name too long: ${name}`);
  const octal = (value: number, width: number, at: number) => h.write(value.toString(8).padStart(width - 1, '0') + '\0', at, 'latin1');
  h.write(name, 0, 'utf8');
  octal(mode, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  octal(size, 12, 124);
  octal(0, 12, 136);
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function padding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** The tar stream of `runtime`: SHA256SUMS first, then every file. */
async function* tarStream(runtime: Runtime): AsyncGenerator<Buffer> {
  const sums = Buffer.from(runtime.sums);
  yield tarHeader(SUMS_NAME, sums.length, 0o644);
  yield sums;
  yield padding(sums.length);
  for (const f of runtime.files) {
    yield tarHeader(f.name, f.size, f.mode);
    let n = 0;
    for await (const chunk of createReadStream(f.path)) {
      const c = chunk as Buffer;
      // A file that grew since it was hashed would break the tar's framing; the host's check
      // catches one that changed within its size.
      const take = c.subarray(0, Math.max(0, f.size - n));
      n += take.length;
      yield take;
    }
    if (n < f.size) throw new Error(`${f.path} shrank from ${f.size} to ${n} bytes while it was being archived`);
    yield padding(f.size);
  }
  yield Buffer.alloc(1024);
}

/** Where the router keeps its archives. */
export function routerCacheDirs(env = process.env): string[] {
  const dirs: string[] = [];
  if (env.XDG_CACHE_HOME) dirs.push(join(env.XDG_CACHE_HOME, 'norouter'));
  try {
    dirs.push(join(homedir(), '.cache', 'norouter'));
  } catch {
    // No home directory: the temporary directory below.
  }
  dirs.push(join(tmpdir(), `norouter-${process.getuid?.() ?? 'user'}`));
  return dirs;
}

export interface RuntimeArchive {
  path: string;
  size: number;
}

/** The archive of `runtime`, made now unless a cache already holds it. */
export async function runtimeArchive(runtime: Runtime, dirs = routerCacheDirs()): Promise<RuntimeArchive> {
  const name = `runtime-${runtime.id.slice(0, 32)}.tar.gz`;
  for (const dir of dirs) {
    try {
      const st = statSync(join(dir, name));
      if (st.isFile() && st.size > 0) return { path: join(dir, name), size: st.size };
    } catch {
      // Not there.
    }
  }
  let lastError: unknown;
  for (const dir of dirs) {
    const path = join(dir, name);
    // A temporary name per writer, renamed when complete: two routers never see half an archive.
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const out = createWriteStream(tmp, { mode: 0o600 });
      await once(out, 'open');
      await pipeline(tarStream(runtime), createGzip({ level: 6 }), out);
      renameSync(tmp, path);
      return { path, size: statSync(path).size };
    } catch (error) {
      lastError = error;
      rmSync(tmp, { force: true });
    }
  }
  throw new Error(`cannot write the runtime archive in ${dirs.join(', ')}: ${(lastError as Error).message}`, { cause: lastError });
}

