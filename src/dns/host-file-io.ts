/**
 * Reading and writing the files the DNS add-on finds on a host (/etc/resolv.conf, /etc/hosts),
 * so that nothing hangs and nothing grows without bound: the type is checked before open (a
 * FIFO would block a read for good, /dev/zero would never end), the open is non-blocking, the
 * type is checked again on the open descriptor (the path may change in between), and a read
 * stops at a size limit. Symlinks are followed (systemd-resolved's /etc/resolv.conf is one), and
 * what they point at is checked.
 *
 * Writes are in place (in Docker and Kubernetes the files are bind mounts: rename() over them
 * fails with EBUSY), new bytes first, then a truncate to their length: a process killed in
 * between leaves the new text followed by a stale tail, never an empty file (which would lose
 * the original a patched resolv.conf carries).
 *
 * Agents sharing a file take turns through a lock file in /tmp named after the file's device
 * and inode (the same for every bind mount of it), holding the owner record of its holder; a
 * lock whose holder is dead is taken over.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { fileKind } from '../fs/file-kind.js';
import { join } from 'node:path';
import { formatOwner, ownerState, parseOwner, type Owner } from './owner.js';

/** resolv.conf: glibc reads at most a few KiB of it; 64 KiB leaves room for any real one. */
export const MAX_RESOLV_CONF_BYTES = 64 * 1024;
/** /etc/hosts: block lists with hundreds of thousands of lines exist; 16 MiB holds them. */
export const MAX_HOSTS_BYTES = 16 * 1024 * 1024;
/** The lock is held for one read and one write of a small file: milliseconds. */
const LOCK_WAIT_MS = 2_000;
const LOCK_POLL_MS = 5;
const LOCK_DIR = '/tmp';

export type HostFileProblem = 'not-a-regular-file' | 'too-large' | 'damaged-patch';

export class HostFileError extends Error {
  constructor(readonly code: HostFileProblem, readonly path: string, message: string) {
    super(message);
    this.name = 'HostFileError';
  }
}

function checkRegular(path: string, s: Stats): void {
  if (!s.isFile()) throw new HostFileError('not-a-regular-file', path, `it is ${fileKind(s)}, not a regular file`);
}

const OPEN_FLAGS = constants.O_NONBLOCK | constants.O_NOCTTY;

/** The file as latin1 text (every byte comes back as it was); throws fs errors and HostFileError. */
export function readHostFile(path: string, maxBytes: number): string {
  checkRegular(path, statSync(path));
  const fd = openSync(path, constants.O_RDONLY | OPEN_FLAGS);
  try {
    const s = fstatSync(fd);
    checkRegular(path, s);
    const tooLarge = (): HostFileError => new HostFileError('too-large', path, `it is larger than ${maxBytes} bytes`);
    if (s.size > maxBytes) throw tooLarge();
    // Room for the file as fstat saw it and some growth; reading more than that means too large.
    const buffer = Buffer.alloc(Math.min(maxBytes, s.size + 65_536) + 1);
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, total);
      if (n === 0) break;
      total += n;
    }
    if (total === buffer.length) throw tooLarge();
    return buffer.toString('latin1', 0, total);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the file's content in place (see above); throws fs errors and HostFileError. */
export function writeHostFile(path: string, text: string): void {
  checkRegular(path, statSync(path));
  const fd = openSync(path, constants.O_WRONLY | OPEN_FLAGS);
  try {
    checkRegular(path, fstatSync(fd));
    const bytes = Buffer.from(text, 'latin1');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` while holding the lock for `path` (synchronously: restores run in 'exit' handlers).
 * Where no lock can be had (/tmp not writable, a lock held past LOCK_WAIT_MS by a live holder
 * that cannot be removed) `fn` runs anyway: the lock narrows races between agents, and every
 * step taken under it also checks what it finds.
 */
export function withHostFileLock<T>(path: string, me: Owner, fn: () => T): T {
  let lock: string;
  try {
    const s = statSync(path);
    lock = join(LOCK_DIR, `norouter-${s.dev}-${s.ino}.lock`);
  } catch {
    return fn(); // the file is not there: fn says so
  }
  const held = acquire(lock, me);
  try {
    return fn();
  } finally {
    // Taken over meanwhile (we were too slow), it is no longer ours to remove.
    if (held) removeIfStill(lock, formatOwner(me));
  }
}

/** What readLock returns for a lock that exists but cannot be read (EACCES): waited for. */
const UNREADABLE = '\0unreadable';

/** The lock's text; undefined when it is gone, null when it is not a regular file (nothing of ours). */
function readLock(lock: string): string | undefined | null {
  try {
    return readHostFile(lock, 4096);
  } catch (error) {
    if (error instanceof HostFileError) return null;
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : UNREADABLE;
  }
}

/**
 * Removes the lock only if it still holds `seen`: a waiter that judged a holder dead must not
 * remove the lock another waiter took meanwhile (two holders at once). A window of one read
 * remains; it needs two takeovers within microseconds of each other.
 */
function removeIfStill(lock: string, seen: string | null): boolean {
  const now = readLock(lock);
  if (now === undefined) return true;
  if (seen !== null && now !== seen) return true;
  try {
    unlinkSync(lock);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function acquire(lock: string, me: Owner): boolean {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      // O_EXCL with O_CREAT never follows a symlink planted at the path.
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | OPEN_FLAGS, 0o644);
      try {
        writeSync(fd, formatOwner(me));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    const seen = readLock(lock);
    if (seen === undefined) continue;
    if (holderGone(lock, me, seen) || Date.now() >= deadline) {
      if (!removeIfStill(lock, seen)) return false;
      continue;
    }
    Atomics.wait(pause, 0, 0, LOCK_POLL_MS);
  }
}

/** The lock's holder is dead; an unreadable or half-written lock counts as gone once it is a second old. */
function holderGone(lock: string, me: Owner, seen: string | null): boolean {
  // Not a regular file: nothing of ours, removed (removeIfStill has no text to compare then).
  // Unreadable: waited for, until the deadline.
  if (seen === null) return true;
  if (seen === UNREADABLE) return false;
  const holder = parseOwner(seen);
  if (holder) return ownerState(holder, me) !== 'alive';
  try {
    return Date.now() - statSync(lock).mtimeMs > 1_000;
  } catch {
    return true;
  }
}
