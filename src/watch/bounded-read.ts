/**
 * The manifest read of a reload, bounded (docs/reliability.md, "Nothing hangs"). A manifest
 * replaced by a FIFO blocked the reload's open() in a threadpool thread for good: later edits and
 * SIGHUP were never applied, and even process.exit() then waits for that thread, so the process
 * never ended. Here the path's type is checked first (stat never blocks on a FIFO or a device),
 * and the read itself is readManifestFile's: a non-blocking open, checked again on the descriptor
 * it returns, so a swap between the two checks cannot block either. A read that still does not
 * finish within READ_DEADLINE_MS is given up on, so the next reload is not queued behind it.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ManifestReadError } from '../manifest/errors.js';
import { readManifestFile } from '../manifest/read.js';
import { fileKind } from '../fs/file-kind.js';

/** A manifest is kilobytes on a local disk: a read this slow is not going to finish. */
export const READ_DEADLINE_MS = 5_000;

export type BoundedRead =
  | { kind: 'text'; text: string }
  /** Not there (mid-save: vim's rename-away, a symlink swap). */
  | { kind: 'missing' }
  /** Not readable as a manifest now: the whole sentence, naming the file. */
  | { kind: 'refused'; message: string };

export async function readForReload(file: string, deadlineMs = READ_DEADLINE_MS): Promise<BoundedRead> {
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'refused', message: `${cannotRead(file)}: ${(error as Error).message}` };
  }
  if (!info.isFile()) return { kind: 'refused', message: `${cannotRead(file)}: it is ${fileKind(info)}, not a regular file` };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<BoundedRead>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'refused', message: `${cannotRead(file)}: the read did not finish within ${deadlineMs / 1000} s (was it swapped for a FIFO or a device?)` }), deadlineMs);
  });
  const read = readManifestFile(file).then(
    (text): BoundedRead => ({ kind: 'text', text }),
    (error: unknown): BoundedRead => (error instanceof ManifestReadError && error.code === 'MANIFEST_NOT_FOUND'
      ? { kind: 'missing' }
      : { kind: 'refused', message: error instanceof Error ? error.message : String(error) }),
  );
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The same words as ManifestReadError's. */
function cannotRead(file: string): string {
  return `cannot read manifest ${JSON.stringify(file)}`;
}
