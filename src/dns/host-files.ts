/**
 * The two files the DNS add-on changes on a host, /etc/resolv.conf and /etc/hosts (issue 5),
 * always written in place: in Docker and Kubernetes both are bind mounts, where rename() over
 * them fails with EBUSY. Every change is undone byte for byte by restore(), which is synchronous
 * so that it runs from an 'exit' handler too; a file left changed by a killed agent is recovered
 * by recoverStale() at the next start. Only files changed for this agent's VIP are touched, so
 * two meshes on one machine never undo each other's work.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { addHostsBlock, hasHostsBlock, removeHostsBlock } from './etc-hosts.js';
import { isPatched, originalOf, patchResolvConf } from './resolv-conf.js';
import type { DnsName } from '../plan/types.js';

export interface HostFilePaths {
  resolvConf: string;
  hosts: string;
}

export const SYSTEM_PATHS: HostFilePaths = { resolvConf: '/etc/resolv.conf', hosts: '/etc/hosts' };

const read = (path: string): string => readFileSync(path, 'latin1');
const write = (path: string, text: string): void => writeFileSync(path, text, 'latin1');

/** The note on a patched file's first line; `for VIP` identifies whose patch it is. */
function patchNote(vip: string): string {
  return `patched for ${vip} by the norouter agent (pid ${process.pid})`;
}

function patchedFor(text: string, vip: string): boolean {
  return isPatched(text) && text.slice(0, text.indexOf('\n')).includes(`patched for ${vip} `);
}

/** An error as users need it: `read-only file system (EROFS)`. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    EROFS: 'it is on a read-only file system (EROFS)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'operation not permitted (EPERM)',
    ENOENT: 'it does not exist (ENOENT)',
    EBUSY: 'it is busy (EBUSY)',
  };
  return (code && why[code]) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Puts back what a previous agent for `vip` left changed (it was killed before it could restore).
 * Returns one line per file recovered, for the log.
 */
export function recoverStale(vip: string, paths: HostFilePaths): string[] {
  const done: string[] = [];
  try {
    const text = read(paths.resolvConf);
    const original = patchedFor(text, vip) ? originalOf(text) : undefined;
    if (original !== undefined) {
      write(paths.resolvConf, original);
      done.push(`${paths.resolvConf}: restored the original that an earlier agent (killed before it could) left patched`);
    }
  } catch {
    // Unreadable or unwritable: nothing of ours to recover, or nothing we can do.
  }
  try {
    const text = read(paths.hosts);
    if (hasHostsBlock(text, vip)) {
      write(paths.hosts, removeHostsBlock(text, vip));
      done.push(`${paths.hosts}: removed the block an earlier agent (killed before it could) left`);
    }
  } catch {
    // As above.
  }
  return done;
}

/** /etc/resolv.conf pointed at our server while we run. */
export class ResolvConfPatch {
  private constructor(readonly path: string, readonly original: string, private patched: string) {}

  /** Reads the file as it is now (after recoverStale): the original, and its nameservers. */
  static readOriginal(path: string): string | undefined {
    try {
      return read(path);
    } catch {
      return undefined;
    }
  }

  /** Writes the patched file; throws the fs error when it cannot. */
  static apply(path: string, original: string, vip: string): ResolvConfPatch {
    const patched = patchResolvConf(original, vip, patchNote(vip));
    write(path, patched);
    return new ResolvConfPatch(path, original, patched);
  }

  /**
   * Puts the original back, unless someone else rewrote the file meanwhile (Docker does on a
   * network change): theirs is newer than our original. Returns a line for the log.
   */
  restore(): string {
    try {
      const now = read(this.path);
      if (now !== this.patched) return `${this.path} was rewritten by someone else while patched; left as it is`;
      write(this.path, this.original);
      return `${this.path} restored`;
    } catch (error) {
      return `${this.path} could not be restored: ${describeFsError(error)}`;
    }
  }
}

/** Our block in /etc/hosts while we run. */
export class HostsBlock {
  private constructor(readonly path: string, private readonly vip: string) {}

  /** Writes (or rewrites) the block; throws the fs error when it cannot. */
  static write(path: string, vip: string, names: readonly DnsName[], domain: string | undefined): HostsBlock {
    const base = removeHostsBlock(read(path), vip);
    write(path, addHostsBlock(base, names, domain, vip));
    return new HostsBlock(path, vip);
  }

  remove(): string {
    try {
      const text = read(this.path);
      if (!hasHostsBlock(text, this.vip)) return `${this.path}: our block was already gone`;
      write(this.path, removeHostsBlock(text, this.vip));
      return `${this.path}: our block removed`;
    } catch (error) {
      return `${this.path}: our block could not be removed: ${describeFsError(error)}`;
    }
  }
}
