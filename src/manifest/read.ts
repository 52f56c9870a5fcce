/**
 * Reads a manifest file; the one side effect of loading, kept out of the pure pipeline. Used by
 * every command that takes a manifest and by the watcher, so it must never block: the path is
 * opened non-blocking (a FIFO with no writer would otherwise block the open for good, and a
 * blocked thread of libuv's pool outlives every later reload and even SIGTERM), its type checked
 * on the open descriptor, and only a regular file is read, at most one byte past the size limit.
 * A file that is not text is refused here, with where, before the YAML parser calls it a string.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { MAX_MANIFEST_BYTES } from '../parse/parse-yaml.js';
import { ManifestReadError, readErrorCode } from './errors.js';
import { notTextProblem } from './text-bytes.js';
import { fileKind } from '../fs/file-kind.js';

/** Manifests are small: one read usually gets all of it. */
const CHUNK_BYTES = 64 * 1024;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The file's text, decoded as UTF-8. Reads at most one byte past the size limit, so a huge file
 * costs nothing and still reaches the parser's E105 diagnostic.
 */
export async function readManifestFile(path: string): Promise<string> {
  const bytes = await readRegularFile(path);
  if (bytes.length <= MAX_MANIFEST_BYTES) {
    const problem = notTextProblem(bytes);
    if (problem !== undefined) throw new ManifestReadError('MANIFEST_NOT_TEXT', path, { cause: undefined, detail: problem });
  }
  return bytes.toString('utf8');
}

async function readRegularFile(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    // A socket cannot be opened at all (ENXIO): say what it is rather than "read failed".
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') {
      const kind = await stat(path).then(fileKind, () => undefined);
      if (kind !== undefined) throw notRegular(path, kind, error);
    }
    throw new ManifestReadError(readErrorCode((error as NodeJS.ErrnoException).code), path, { cause: error });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new ManifestReadError('MANIFEST_IS_DIRECTORY', path, { cause: undefined });
    if (!info.isFile()) throw notRegular(path, fileKind(info), undefined);
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= MAX_MANIFEST_BYTES) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, MAX_MANIFEST_BYTES + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof ManifestReadError) throw error;
    throw new ManifestReadError(readErrorCode((error as NodeJS.ErrnoException).code), path, { cause: error });
  } finally {
    await handle.close();
  }
}

function notRegular(path: string, kind: string, cause: unknown): ManifestReadError {
  return new ManifestReadError('MANIFEST_NOT_REGULAR', path, {
    cause,
    detail: `it is ${kind}, not a regular file (a manifest is read only from a regular file, so that reading it can never block; save it to a file first)`,
  });
}
