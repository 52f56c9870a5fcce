/**
 * The test images, made from this machine's own files (no registry is reachable) and imported
 * with `podman import`. Each image is tagged with the SHA-256 of its archive, so it is built once
 * and reused by every later test process until one of its input files changes (an apt upgrade):
 * building costs well under a second or two, reusing it only the `podman image exists` check.
 *
 *   alpine-like    busybox-static with its applet symlinks (sh, wget, httpd, cat…) and musl's
 *                  loader/libc, nothing else: no node, no glibc shared objects. (Debian's busybox
 *                  is itself linked statically against glibc, so its resolver is glibc's code.)
 *   glibc-no-node  a usr-merged Debian-like userland without node: dash as /bin/sh, bash,
 *                  coreutils and friends, their shared libraries as ldd names them, ld-linux,
 *                  and node's own shared libraries (libstdc++, libgcc_s: a Debian minbase has
 *                  them because apt needs them); busybox-static only as `httpd` and `wget`.
 *                  The host's node can be bind-mounted into it at run time (podman.ts, `node`).
 *   no-shell       like distroless: nothing but /httpd (a copy of busybox-static, which runs the
 *                  applet named by argv[0]), /etc/passwd and /tmp. No shell, no wget.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { BUSYBOX, MUSL_LOADER, PODMAN } from './podman-cli.js';
import { run, runOk, which } from './processes.js';
import { Rootfs } from './rootfs-tar.js';

export const IMAGE_NAMES = ['alpine-like', 'glibc-no-node', 'no-shell'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export interface Image {
  readonly name: ImageName;
  /** `localhost/norouter-test/NAME:HASH`, HASH being the start of the archive's SHA-256. */
  readonly tag: string;
  /** Whether this process imported it (false: an earlier run had, and it was reused). */
  readonly built: boolean;
  /** Time spent making the archive and, if built, importing it. */
  readonly ms: number;
}

/** The programs of glibc-no-node besides dash and bash, taken from the machine when present. */
const GLIBC_TOOLS = [
  'basename', 'cat', 'chmod', 'cmp', 'cp', 'cut', 'date', 'dd', 'dirname', 'echo', 'env', 'expr',
  'false', 'find', 'getent', 'grep', 'gzip', 'head', 'id', 'kill', 'ln', 'ls', 'md5sum', 'mkdir',
  'mktemp', 'mv', 'od', 'printf', 'pwd', 'readlink', 'realpath', 'rm', 'rmdir', 'sed', 'seq',
  'sha256sum', 'sleep', 'sort', 'stat', 'sync', 'tail', 'tar', 'tee', 'test', 'touch', 'tr',
  'timeout', 'true', 'uname', 'wc', 'xargs',
];

const pending = new Map<ImageName, Promise<Image>>();

/** Builds `name` unless an image with the same content exists; once per process. */
export function ensureImage(name: ImageName): Promise<Image> {
  let promise = pending.get(name);
  if (!promise) {
    promise = build(name);
    pending.set(name, promise);
    // A failed build is not cached: the next caller tries again and sees the error itself.
    promise.catch(() => pending.delete(name));
  }
  return promise;
}

async function build(name: ImageName): Promise<Image> {
  const started = Date.now();
  const { tar, sha256 } = rootfsOf(name).archive();
  const tag = `localhost/norouter-test/${name}:${sha256.slice(0, 16)}`;
  const exists = await run([...PODMAN, 'image', 'exists', tag], { timeoutMs: 60_000 });
  if (exists.code === 0) return { name, tag, built: false, ms: Date.now() - started };
  // Two test processes importing the same archive at once both succeed: same tag, same content.
  await runOk([...PODMAN, 'import', '--quiet', '-', tag], { input: tar, timeoutMs: 120_000 });
  return { name, tag, built: true, ms: Date.now() - started };
}

/** The root filesystem of an image (exported for the helper's own tests). */
export function rootfsOf(name: ImageName): Rootfs {
  switch (name) {
    case 'alpine-like': return alpineLike();
    case 'glibc-no-node': return glibcNoNode();
    case 'no-shell': return noShell();
  }
}

function base(fs: Rootfs): Rootfs {
  return fs
    .text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
    .text('etc/group', 'root:x:0:\nnogroup:x:65534:\n')
    .dir('root', 0o700)
    .dir('tmp', 0o1777)
    .dir('www');
}

function alpineLike(): Rootfs {
  const fs = base(new Rootfs()).copy('bin/busybox', BUSYBOX);
  for (const applet of busyboxApplets()) {
    if (applet !== 'bin/busybox') fs.symlink(applet, '/bin/busybox');
  }
  // Alpine's layout: the loader is libc, and libc.musl-x86_64.so.1 points at it.
  return fs.copy('lib/ld-musl-x86_64.so.1', MUSL_LOADER).symlink('lib/libc.musl-x86_64.so.1', 'ld-musl-x86_64.so.1');
}

function glibcNoNode(): Rootfs {
  const fs = base(new Rootfs());
  for (const top of ['bin', 'sbin', 'lib', 'lib64']) fs.symlink(top, `usr/${top}`);
  const dash = which('dash');
  if (!dash) throw new Error('glibc-no-node needs dash (Debian: dash)');
  const programs = new Map<string, string>([['dash', dash]]);
  for (const tool of ['bash', ...GLIBC_TOOLS]) {
    const path = which(tool);
    if (path) programs.set(tool, path);
  }
  for (const [tool, path] of programs) fs.copy(`usr/bin/${tool}`, path);
  fs.symlink('usr/bin/sh', 'dash');
  for (const lib of sharedLibraries([...programs.values(), process.execPath])) fs.copy(inUsr(lib), lib, 0o755);
  fs.copy('usr/bin/busybox', BUSYBOX);
  return fs.symlink('usr/bin/httpd', 'busybox').symlink('usr/bin/wget', 'busybox');
}

function noShell(): Rootfs {
  return new Rootfs()
    .copy('httpd', BUSYBOX)
    .text('etc/passwd', 'root:x:0:0:root:/:/httpd\n')
    .dir('tmp', 0o1777)
    .dir('www');
}

/** busybox's applets with Alpine's paths (bin/sh, usr/bin/wget, usr/sbin/httpd…). */
function busyboxApplets(): string[] {
  const list = spawnSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`${BUSYBOX} --list-full failed: ${list.stderr}`);
  return list.stdout.split('\n').filter((line) => /^[a-z/]+\/[^/\s]+$/.test(line));
}

/** Every shared object (and the loader) that `programs` load, as absolute paths ldd prints. */
function sharedLibraries(programs: readonly string[]): string[] {
  // ldd exits non-zero when one of them is static; the others are still listed.
  const out = spawnSync('ldd', programs, { encoding: 'utf8' }).stdout ?? '';
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs].sort();
}

/** Where a host path goes in the usr-merged image: /lib/x → usr/lib/x, /usr/bin/x → usr/bin/x. */
function inUsr(hostPath: string): string {
  const rel = hostPath.replace(/^\/+/, '');
  return /^(bin|sbin|lib|lib64)\//.test(rel) ? `usr/${rel}` : rel;
}

/** The file to bind-mount as `node` into glibc-no-node: the real executable, not a symlink. */
export function hostNodePath(): string {
  return realpathSync(process.execPath);
}
