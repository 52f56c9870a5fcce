/**
 * Is a file on an agent's host the very file the router's machine uses? `resolvConf: auto`
 * patches a remote host's /etc/resolv.conf but never the local machine's, and a host
 * reached through `ip netns exec` or `ssh localhost` has a `cmd` yet shares the router machine's
 * /etc. The router names its machine (kernel boot id) and its /etc/resolv.conf (device and
 * inode) in its HELLO (docs/protocol.md §4.1); the agent compares. Containers share the boot id
 * but see a bind-mounted file of their own, so they differ in device or inode.
 */
import { statSync } from 'node:fs';
import { bootId as readBootId } from './owner.js';

export interface MachineFiles {
  /** /proc/sys/kernel/random/boot_id: the same for every process of one running kernel. */
  bootId: string;
  /** `DEV:INO` of /etc/resolv.conf as this process sees it (symlinks followed). */
  resolvConf?: string;
}

export const RESOLV_CONF = '/etc/resolv.conf';

/** This process's view; undefined where it cannot be read (not Linux). */
export function readMachineFiles(resolvConf = RESOLV_CONF): MachineFiles | undefined {
  const bootId = readBootId();
  if (bootId === '') return undefined;
  const id = fileId(resolvConf);
  return id === undefined ? { bootId } : { bootId, resolvConf: id };
}

function fileId(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** True when `path` here is the router's own /etc/resolv.conf (same kernel, same file). */
export function isRoutersResolvConf(path: string, router: MachineFiles | undefined): boolean {
  if (!router?.resolvConf) return false;
  const mine = readMachineFiles(path);
  return mine !== undefined && mine.bootId === router.bootId && mine.resolvConf === router.resolvConf;
}
