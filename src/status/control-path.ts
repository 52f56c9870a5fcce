/**
 * Where a mesh's control socket lives (docs/status.md): one socket per running mesh, named from
 * the manifest's absolute path, in a directory only this user can enter: `$XDG_RUNTIME_DIR/norouter`
 * (systemd's per-user tmpfs, mode 0700), else `norouter-UID` in the temporary directory. A
 * directory that is not a real directory of ours with mode 0700 is refused rather than used:
 * in a shared /tmp another user could have made it first, and would then see every socket.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Longest path a Unix socket address holds on Linux (sun_path is 108 bytes, with its NUL). */
const MAX_SOCKET_PATH = 107;

export type ControlDir = { ok: true; dir: string } | { ok: false; code: 'control-dir'; message: string };

/** The control directory, without creating it. */
export function controlDirPath(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  // Set but missing (a `sudo -E`, a session that ended): the fallback, as the spec says.
  if (runtime && isAbsolute(runtime) && isDirectory(runtime)) return join(runtime, 'norouter');
  return join(tmpdir(), `norouter-${process.getuid?.() ?? 'user'}`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The control directory, made if missing; refused when someone else could use it. */
export function ensureControlDir(env: NodeJS.ProcessEnv = process.env): ControlDir {
  const dir = controlDirPath(env);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      return { ok: false, code: 'control-dir', message: `cannot make the control directory ${dir}: ${(error as Error).message}` };
    }
  }
  return checkControlDir(dir);
}

/** A directory of ours (not a link), mode 0700: fixed when only its mode is too open. */
export function checkControlDir(dir: string): ControlDir {
  let st;
  try {
    st = lstatSync(dir);
  } catch (error) {
    return { ok: false, code: 'control-dir', message: `cannot read the control directory ${dir}: ${(error as Error).message}` };
  }
  const uid = process.getuid?.();
  if (!st.isDirectory()) return { ok: false, code: 'control-dir', message: `the control directory ${dir} is not a directory (a link or a file is never followed)` };
  if (uid !== undefined && st.uid !== uid) return { ok: false, code: 'control-dir', message: `the control directory ${dir} belongs to user ${st.uid}, not to this user (${uid}): remove it, or set XDG_RUNTIME_DIR` };
  if ((st.mode & 0o077) !== 0) {
    try {
      chmodSync(dir, 0o700);
    } catch (error) {
      return { ok: false, code: 'control-dir', message: `the control directory ${dir} is open to others and cannot be made 0700: ${(error as Error).message}` };
    }
  }
  return { ok: true, dir };
}

/** The socket of the mesh run from `manifest` (any spelling of the same path gives the same name). */
export function socketPath(dir: string, manifest: string): string {
  return join(dir, `${meshId(manifest)}.sock`);
}

export function meshId(manifest: string): string {
  return createHash('sha256').update(manifestIdentity(manifest)).digest('hex').slice(0, 16);
}

/** The manifest's absolute path with links resolved: what names its mesh. */
export function manifestIdentity(manifest: string): string {
  try {
    return realpathSync.native(manifest);
  } catch {
    return resolve(manifest);
  }
}

export function socketPathFits(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH;
}
