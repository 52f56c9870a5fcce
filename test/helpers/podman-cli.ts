/**
 * How podman is invoked by the tests, and whether it can be. DESIGN.md ("Testing with real hosts
 * on one machine") has the facts: rootful, the runc runtime (crun refuses this kernel's cgroup
 * layout, and Debian's podman picks crun when both are installed), overlay storage, and explicit
 * ulimits no higher than our own hard limits (podman's defaults fail with EPERM).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { which } from './processes.js';

/** podman with the runtime chosen on the command line, so no machine configuration is needed. */
export const PODMAN: readonly string[] = ['podman', '--runtime', 'runc'];

/** The busybox whose copy is every image's userland: Debian's busybox-static. */
export const BUSYBOX = '/bin/busybox';
/** musl's dynamic loader, which is also its libc (Debian's `musl` package). */
export const MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';

/**
 * `--ulimit` flags for `podman run`. podman asks for limits above our hard limits by default, and
 * runc then fails with EPERM; nproc was also refused here well below the hard limit (40000 of
 * 96367), so it is capped at a modest value a test container never reaches.
 */
export function ulimitArgs(): string[] {
  const nofile = Math.min(hardLimit('Max open files') ?? 1024, 65_536);
  const nproc = Math.min(hardLimit('Max processes') ?? 1024, 4096);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

function hardLimit(label: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(label));
  const hard = line?.slice(label.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

let cachedReason: string | undefined | null = null;

/**
 * Why podman containers cannot run here, or undefined when they can. Print it when skipping.
 * The first call runs `podman info` (a second or two); the answer is kept for the process.
 */
export function canRunPodman(): string | undefined {
  if (cachedReason === null) cachedReason = probe();
  return cachedReason;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `podman containers need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the podman tests run rootful podman and need root (as .ci/run does)';
  if (!which('podman')) return '`podman` is not installed (Debian: apt-get install podman runc)';
  if (!which('runc')) return '`runc` is not installed (Debian: apt-get install runc)';
  if (!which(BUSYBOX)) return `${BUSYBOX} is missing (Debian: apt-get install busybox-static)`;
  const ldd = spawnSync('ldd', [BUSYBOX], { encoding: 'utf8' });
  if (/=>|ld-linux/.test(ldd.stdout ?? '')) return `${BUSYBOX} is dynamically linked: the images need busybox-static`;
  if (!which(MUSL_LOADER)) return `${MUSL_LOADER} is missing (Debian: apt-get install musl)`;
  if (!which('ldd')) return '`ldd` is missing (Debian: libc-bin)';
  const info = spawnSync(PODMAN[0]!, [...PODMAN.slice(1), 'info', '--format', '{{.Store.GraphDriverName}}'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (info.status !== 0) {
    const why = (info.stderr || info.error?.message || `exit ${info.status ?? info.signal}`).trim();
    return `\`podman info\` fails: ${why}`;
  }
  return undefined;
}
