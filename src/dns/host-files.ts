/**
 * The two files the DNS add-on changes on a host, /etc/resolv.conf and /etc/hosts,
 * shared by every agent on that host (docs/reliability.md, "DNS: shared files and the upstream
 * time budget"). The rules, whatever the order of starts, stops and kills:
 * - resolv.conf is patched at most once, by one agent, its owner (owner.ts), and the patch
 *   carries the original, never a patched file; an agent that finds a live owner's patch leaves
 *   it (and serves on its VIP only) and takes over once that owner is dead, with the original
 *   the dead owner's patch carries;
 * - every agent has at most one block in /etc/hosts, named by its owner record; an agent removes
 *   its own block, and any block whose owner is dead, never a live agent's;
 * - the nameservers an agent relays to come from the original only: never from a patch, so
 *   never another agent's server (two relays pointing at each other answered nothing).
 * Every change is undone byte for byte, synchronously (so that it runs from an 'exit' handler
 * too), under the file's lock (host-file-io.ts), and reads and writes never hang on a file that
 * is not a regular file.
 */
import { addHostsBlock, hostsBlockOwners, removeHostsBlock } from './etc-hosts.js';
import { HostFileError, MAX_HOSTS_BYTES, MAX_RESOLV_CONF_BYTES, readHostFile, withHostFileLock, writeHostFile } from './host-file-io.js';
import { formatOwner, ownerFor, ownerState, parseOwner, type Owner } from './owner.js';
import { isPatched, originalOf, ownerOf, patchResolvConf } from './resolv-conf.js';
import type { DnsName } from '../plan/types.js';

export interface HostFilePaths {
  resolvConf: string;
  hosts: string;
}

export const SYSTEM_PATHS: HostFilePaths = { resolvConf: '/etc/resolv.conf', hosts: '/etc/hosts' };

const readResolv = (path: string): string => readHostFile(path, MAX_RESOLV_CONF_BYTES);
const readHosts = (path: string): string => readHostFile(path, MAX_HOSTS_BYTES);

/** An error as users need it: `read-only file system (EROFS)`, `it is a FIFO, not a regular file`. */
export function describeFsError(error: unknown): string {
  if (error instanceof HostFileError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    EROFS: 'it is on a read-only file system (EROFS)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'operation not permitted (EPERM)',
    ENOENT: 'it does not exist (ENOENT)',
    EBUSY: 'it is busy (EBUSY)',
    ELOOP: 'it is a loop of symbolic links (ELOOP)',
  };
  return (code && why[code]) ?? (error instanceof Error ? error.message : String(error));
}

const damaged = (path: string): HostFileError =>
  new HostFileError('damaged-patch', path, 'it carries a norouter patch whose saved original is damaged; it is left as it is');

/** Who an owner is, for the log: `127.0.42.101 (pid 123)`. */
export const describeOwner = (o: Owner): string => `${o.vip} (pid ${o.pid})`;

/** An /etc/hosts block's owner token read back (a bare VIP: a block written by an older version). */
function ownerOfToken(token: string): Owner | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(token)) return { vip: token, pid: 0, start: '', boot: '', pidns: '', netns: '', legacy: true };
  return parseOwner(token);
}

/**
 * What resolv.conf was before any agent patched it: the file itself, or the original a patch
 * carries (whoever owns it, alive or not). The nameservers to relay to come from here only.
 */
export function originalResolvConf(path: string): string {
  const text = readResolv(path);
  if (!isPatched(text)) return text;
  const original = originalOf(text);
  if (original === undefined) throw damaged(path);
  return original;
}

/**
 * Puts back what agents that are gone left changed (killed before they could restore): a
 * resolv.conf patch whose owner is dead, and /etc/hosts blocks whose owners are dead. Live
 * owners' changes are left alone. Returns one line per file recovered, for the log.
 */
export function recoverStale(vip: string, paths: HostFilePaths): string[] {
  const me = ownerFor(vip);
  const done: string[] = [];
  try {
    withHostFileLock(paths.resolvConf, me, () => {
      const text = readResolv(paths.resolvConf);
      const owner = ownerOf(text);
      if (!isPatched(text) || (owner && ownerState(owner, me) === 'alive')) return;
      const original = originalOf(text);
      if (original === undefined) return;
      writeHostFile(paths.resolvConf, original);
      done.push(`${paths.resolvConf}: restored the original that an earlier agent${owner ? ` for ${describeOwner(owner)}` : ''} (killed before it could) left patched`);
    });
  } catch {
    // Unreadable or unwritable: nothing of ours to recover, or nothing we can do. Patching says why.
  }
  try {
    withHostFileLock(paths.hosts, me, () => {
      const text = readHosts(paths.hosts);
      const dead = deadBlocks(text, me);
      if (dead.length === 0) return;
      writeHostFile(paths.hosts, dead.reduce((t, token) => removeHostsBlock(t, token), text));
      done.push(`${paths.hosts}: removed ${dead.length === 1 ? 'the block' : `${dead.length} blocks`} that earlier agents (killed before they could) left`);
    });
  } catch {
    // As above.
  }
  return done;
}

function deadBlocks(text: string, me: Owner): string[] {
  return hostsBlockOwners(text).filter((token) => {
    const owner = ownerOfToken(token);
    return owner !== undefined && ownerState(owner, me) !== 'alive';
  });
}

export type ResolvClaim =
  | { kind: 'patched'; patch: ResolvConfPatch; recoveredFrom: Owner | undefined }
  | { kind: 'held'; owner: Owner };

/**
 * Points resolv.conf at `me`'s server, unless another live agent's patch is there (`held`). A
 * dead agent's patch is replaced, from the original it carries. Throws fs errors and
 * HostFileError (not a regular file, too large, a damaged patch).
 */
export function claimResolvConf(path: string, me: Owner): ResolvClaim {
  return withHostFileLock(path, me, () => {
    const text = readResolv(path);
    let original = text;
    let recoveredFrom: Owner | undefined;
    if (isPatched(text)) {
      const owner = ownerOf(text);
      const state = owner ? ownerState(owner, me) : 'dead';
      if (owner && state === 'alive') return { kind: 'held', owner };
      const carried = originalOf(text);
      if (carried === undefined) throw damaged(path);
      original = carried;
      if (state === 'dead') recoveredFrom = owner;
    }
    const patched = patchResolvConf(original, me);
    writeHostFile(path, patched);
    return { kind: 'patched', patch: new ResolvConfPatch(path, me, original), recoveredFrom };
  });
}

/** resolv.conf pointed at our server while we run. */
export class ResolvConfPatch {
  constructor(readonly path: string, private readonly me: Owner, readonly original: string) {}

  /**
   * Puts the original back if the file still carries our patch. Someone else's file (Docker
   * rewrites it on a network change; a newer one is newer than our original) is left as it is.
   * Returns a line for the log.
   */
  restore(): string {
    try {
      return withHostFileLock(this.path, this.me, () => {
        const now = readResolv(this.path);
        const owner = ownerOf(now);
        if (!owner || ownerState(owner, this.me) !== 'self') return `${this.path} was rewritten by someone else while patched; left as it is`;
        writeHostFile(this.path, originalOf(now) ?? this.original);
        return `${this.path} restored`;
      });
    } catch (error) {
      return `${this.path} could not be restored: ${describeFsError(error)}`;
    }
  }
}

/** Our block in /etc/hosts while we run. */
export class HostsBlock {
  private constructor(readonly path: string, private readonly me: Owner, private readonly token: string) {}

  /**
   * Writes (or rewrites) our block, removing our earlier one and any whose owner is dead.
   * Throws fs errors and HostFileError. `removed` counts dead owners' blocks.
   */
  static write(path: string, me: Owner, names: readonly DnsName[], domain: string | undefined): { block: HostsBlock; removed: number } {
    const token = formatOwner(me);
    return withHostFileLock(path, me, () => {
      const text = readHosts(path);
      const mine = hostsBlockOwners(text).filter((t) => {
        const owner = ownerOfToken(t);
        return owner !== undefined && ownerState(owner, me) === 'self';
      });
      const dead = deadBlocks(text, me).filter((t) => !mine.includes(t));
      const base = [...mine, ...dead].reduce((t, owner) => removeHostsBlock(t, owner), text);
      writeHostFile(path, addHostsBlock(base, names, domain, token));
      return { block: new HostsBlock(path, me, token), removed: dead.length };
    });
  }

  remove(): string {
    try {
      return withHostFileLock(this.path, this.me, () => {
        const text = readHosts(this.path);
        const without = removeHostsBlock(text, this.token);
        if (without === text) return `${this.path}: our block was already gone`;
        writeHostFile(this.path, without);
        return `${this.path}: our block removed`;
      });
    } catch (error) {
      return `${this.path}: our block could not be removed: ${describeFsError(error)}`;
    }
  }
}
