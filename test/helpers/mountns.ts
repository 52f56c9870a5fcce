/**
 * A container-like /etc/resolv.conf for the DNS add-on's tests. In Docker and Kubernetes the
 * file is a bind mount: writing in place works, rename() over it fails with EBUSY. Here: a
 * private mount namespace (`unshare --mount`, inside the test's network namespace) in which a
 * temp file is bind-mounted over /etc/resolv.conf. The host's own file is never touched; the
 * test reads what the code under test wrote from the temp file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdFor } from './netns.js';
import { which } from './processes.js';

/** Why a private mount namespace cannot be made here, or undefined. */
export function canUseMountns(): string | undefined {
  if (process.getuid?.() !== 0) return 'bind-mounting over /etc/resolv.conf needs root';
  for (const tool of ['unshare', 'mount']) if (!which(tool)) return `\`${tool}\` (util-linux) is not installed`;
  return undefined;
}

export interface ResolvConfMount {
  /** The temp file that stands in for /etc/resolv.conf inside. */
  readonly path: string;
  /** argv running `argv` in `ns` (or in the host's network when ns is undefined) with the mount. */
  cmd(argv: readonly string[]): string[];
  /** What the file holds now. */
  read(): string;
  /** Removes the temp file (the mount namespace dies with its last process). */
  cleanup(): void;
}

/** Prepares a resolv.conf holding `content`, to be bind-mounted by each cmd() invocation. */
export function resolvConfMount(ns: string | undefined, content: string): ResolvConfMount {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-resolv-'));
  const path = join(dir, 'resolv.conf');
  writeFileSync(path, content);
  return {
    path,
    cmd(argv) {
      // --propagation private: the bind mount must not leak back into the host's namespace.
      const inner = [
        'unshare', '--mount', '--propagation', 'private', '--',
        'sh', '-c', 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"', 'sh', path, ...argv,
      ];
      return ns ? cmdFor(ns, inner) : inner;
    },
    read: () => readFileSync(path, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
